# Shopkeeper: one process, `shopkeeper run`. Configure it with SHOPKEEPER_<SECTION>_<KEY> variables
# or a TOML file named by SHOPKEEPER_CONFIG (see config.example.toml and README.md).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the package needs: no tests, benchmarks or dev extras.
COPY pyproject.toml README.md /src/
COPY actors /src/actors
COPY storage /src/storage
COPY telegram /src/telegram
COPY webui /src/webui
RUN pip install /src && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home shop \
    && mkdir -p /app/data \
    && chown shop:shop /app/data

WORKDIR /app
USER shop

# The default database is sqlite://data/shop.db, i.e. /app/data/shop.db.
VOLUME /app/data
# /health and /metrics/prometheus must be reachable from outside the container.
ENV SHOPKEEPER_WEB_HOST=0.0.0.0
EXPOSE 8080

ENTRYPOINT ["shopkeeper"]
CMD ["run"]
