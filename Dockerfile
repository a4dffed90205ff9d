# Union Desk app server. One image, run as N containers behind a proxy (deploy/compose.yaml).
FROM python:3.11-slim-bookworm

# fonts-wqy-zenhei: the Chinese TrueType font embedded in every PDF (UNION_PDF_FONT below);
# curl: the HEALTHCHECK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei curl \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UNION_ENV=production \
    UNION_LOG_FORMAT=json \
    UNION_PDF_FONT=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none

WORKDIR /app
COPY requirements.txt requirements.lock ./
RUN pip install -r requirements.txt -c requirements.lock

COPY app.py ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY db db
COPY services services
COPY pages pages
COPY ui ui
COPY seeds seeds
COPY locales locales

RUN useradd --system --uid 10001 --home-dir /app union && mkdir -p /app/data \
    && chown union /app/data
USER union

EXPOSE 8501
# Streamlit answers here once it serves; `python -m db health` also checks the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:8501/_stcore/health || exit 1

# Migrations run at start under a PostgreSQL advisory lock, so N servers may start together.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.port", "8501", \
     "--server.address", "0.0.0.0", "--server.headless", "true", \
     "--server.fileWatcherType", "none"]
