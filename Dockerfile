# One image for every process (web, worker, scheduler); the command picks the role.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ZS_LOG_JSON=1 ZS_INSTANCE_DIR=/app/instance

# fonts-wqy-microhei: the CJK font the visit-photo watermark is drawn with.
# curl: the healthchecks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY zhongshu ./zhongshu
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY jobs ./jobs
COPY cards ./cards
COPY migrations ./migrations
COPY web ./web
RUN pip install . && useradd --create-home --uid 10001 zhongshu \
    && mkdir -p /app/instance && chown zhongshu /app/instance
USER zhongshu

EXPOSE 8000
# Overridden per service in docker-compose.yml (worker / scheduler / migrate).
CMD ["gunicorn", "--config", "python:zhongshu.gunicorn_conf", "--bind", "0.0.0.0:8000", \
     "zhongshu.wsgi:app"]
