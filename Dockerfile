# syntax=docker/dockerfile:1
# One image for every runtime role of the Procfile: the command picks the role
# (web by default; `celery -A vod worker --queues transcode ...` and so on).
# Build: docker build -t vod .

# --- The player's hls.js and the admin's Uppy, from npm, as `make install` gets them
FROM node:20-bookworm-slim AS player
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- Python dependencies, built where compilers may be needed -----------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt ./
# Only the runtime section: test tools (pytest, a browser driver) stay out.
RUN sed -n '/^# Runtime/,/^$/p' requirements.txt > runtime.txt \
    && pip install -r runtime.txt

# --- The image that runs ---------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
# tini as PID 1 forwards signals and reaps the ffmpeg children of the workers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 vod \
    && useradd --system --uid 10001 --gid vod --home-dir /app \
        --shell /usr/sbin/nologin vod
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VOD_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    PORT=8000
WORKDIR /app
COPY . .
COPY --from=player /build/node_modules/hls.js/dist node_modules/hls.js/dist
COPY --from=player /build/node_modules/uppy/dist node_modules/uppy/dist
# Static files are collected (hashed, compressed) into the image, with settings
# that only exist for this step; the secret is not one used anywhere else.
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=collectstatic-at-build-time-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    VOD_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && python -m compileall -q /app \
    && mkdir -p /app/var/celery /app/var/prometheus \
    && chown -R vod:vod /app/var
USER 10001:10001
EXPOSE 8000
# Probes send Host: localhost, which DJANGO_ALLOWED_HOSTS must list; workers and
# beat answer no HTTP and get their own check (or none) from compose/k8s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': 'localhost'}), timeout=4)"]
ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "vod.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--graceful-timeout", "30", "--access-logfile", "-"]
