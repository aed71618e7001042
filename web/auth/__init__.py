"""Who is looking at an H5 page, and the protections every web page gets.

| module | holds |
|---|---|
| ``identity`` | the WeCom OAuth code exchange, the session cookie, sign-in limits, ``request_db`` |
| ``views`` | the sign-in pages: ``/h5/login`` (WeCom) and ``/h5/login/dingtalk`` (免登) |
| ``guard`` | ``login_required``, the POST guard (size cap + CSRF), headers, error pages |
| ``pages`` | the result pages shown instead of the one asked for (``message_page``...) |
| ``paths`` | the OAuth parameters and this request's path without them |
"""
