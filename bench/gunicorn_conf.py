"""gunicorn settings for the benchmark: exactly ``zhongshu.gunicorn_conf`` with the access
log off (``accesslog = None``), for both the service and the bare app.

gunicorn cannot switch the access log off from the command line once a config file has
set it (``--access-logfile ''`` is refused as an unwritable path), hence this module.
"""

from zhongshu.gunicorn_conf import *  # noqa: F403 - gunicorn reads every module-level name

accesslog = None
# Two masters run side by side during the benchmark: keep them off the shared default
# control socket path (~/.gunicorn/gunicorn.ctl). No effect on request handling.
control_socket_disable = True
