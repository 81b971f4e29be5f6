# Shopkeeper: one process, `shopkeeper run`. Configure it with SHOPKEEPER_<SECTION>_<KEY> variables
# (a secret also from a file: SHOPKEEPER_<SECTION>_<KEY>_FILE) or a TOML file named by SHOPKEEPER_CONFIG
# (see config.example.toml and README.md).
#
# The base image is pinned by digest (the multi-platform index of python:3.13-slim, Python 3.13.14 on
# Debian trixie, published 2026-08-05), so a rebuild gets the same image. To move to a newer one:
#   docker buildx imagetools inspect python:3.13-slim    # prints the current index digest ("Digest:")
# and replace the digest below (docker-library/repo-info on GitHub lists each tag's digests too).
FROM python:3.13-slim@sha256:9662417aace5ae7b8e2609cce472b72a8958e134ba372808abe9cc1a0c0125e6

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Every dependency at the version and hash in requirements.lock (`make lock` regenerates it), in a layer
# of its own that stays cached until the lock changes. tests/test_package.py runs these install commands
# in a fresh virtual environment.
COPY requirements.lock /src/
RUN pip install --require-hashes --no-deps -r /src/requirements.lock

# Only what the package needs: no tests, benchmarks or dev extras.
COPY pyproject.toml README.md /src/
COPY actors /src/actors
COPY storage /src/storage
COPY telegram /src/telegram
COPY webui /src/webui
RUN pip install --no-deps --no-build-isolation /src && rm -rf /src

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
