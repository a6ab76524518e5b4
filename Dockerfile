# syntax=docker/dockerfile:1.7
# Tenantly CRM: one image for the web server, the Celery workers, beat and the migration job
# (the Helm chart picks the command). Build: docker build -t tenantly-crm .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

# --- 1. The frontend: npm packages bundled by Vite into frontend/dist -------------------------
FROM ${NODE_IMAGE} AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- 2. The Python environment, messages and static files -------------------------------------
FROM ${UV_IMAGE} AS uv
FROM ${PYTHON_IMAGE} AS python-build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
COPY --from=uv /uv /usr/local/bin/uv
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
COPY --from=frontend /src/frontend/dist frontend/dist
# Settings are read without a database or Redis here; nothing connects.
RUN TENANTLY_EMBEDDED_DEFAULTS=false SKIP_PG_EXTRA_VALIDATION=true SECRET_KEY=image-build \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost \
    STATIC_ROOT=/app/.build/static \
    sh -c ".venv/bin/python manage.py compilemessages --ignore=.venv -v 0 \
        && .venv/bin/python manage.py collectstatic --noinput -v 0"

# --- 3. The runtime image: no compilers, no npm, a non-root user --------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Tenantly CRM" \
      org.opencontainers.image.source="https://github.com/tenantly/tenantly-crm" \
      org.opencontainers.image.licenses="Proprietary"
# Pango and fonts for WeasyPrint's invoice PDFs (DejaVu covers Cyrillic)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 tenantly \
    && useradd --system --uid 10001 --gid tenantly --home-dir /app --shell /usr/sbin/nologin tenantly
WORKDIR /app
COPY --from=python-build --chown=tenantly:tenantly /app /app
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    TENANTLY_EMBEDDED_DEFAULTS=false \
    TENANTLY_DATA_DIR=/tmp/tenantly \
    STATIC_ROOT=/app/.build/static \
    MEDIA_ROOT=/data/media \
    PORT=8000 \
    DATABASE_POOL_SIZE=8
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["python", "-m", "config.serve"]
