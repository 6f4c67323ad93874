# tuspyserver (a FastAPI TUS router) as an ASGI app for the server matrix
# (tests/support/servers.mjs starts it with uvicorn on 127.0.0.1). Configured by environment:
#   FERRY_TUS_DIR      where uploads are stored (one file per upload id, plus a .info sidecar)
#   FERRY_TUS_ORIGINS  comma-separated origins allowed by CORS (default "*")
#   FERRY_TUS_MAX_SIZE Tus-Max-Size in bytes (optional)
# CORS answers preflights and exposes the headers a browser TUS client reads. It does not
# authenticate, keeps tuspyserver's default expiry (5 days) and serves nothing but /files/.
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from tuspyserver import create_tus_router

EXPOSE = [
    "Location", "Upload-Offset", "Upload-Length", "Tus-Resumable", "Tus-Version", "Tus-Extension",
    "Tus-Max-Size", "Upload-Metadata", "Upload-Defer-Length", "Upload-Concat", "Upload-Expires",
    "Tus-Checksum-Algorithm", "Retry-After",
]
ALLOW = [
    "Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Defer-Length",
    "Upload-Concat", "Upload-Checksum", "Content-Type", "Authorization", "Idempotency-Key",
]

router_options = {"prefix": "files", "files_dir": os.environ["FERRY_TUS_DIR"]}
if os.environ.get("FERRY_TUS_MAX_SIZE"):
    router_options["max_size"] = int(os.environ["FERRY_TUS_MAX_SIZE"])

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=[o for o in os.environ.get("FERRY_TUS_ORIGINS", "*").split(",") if o],
    allow_methods=["POST", "PATCH", "HEAD", "DELETE", "OPTIONS", "GET"],
    allow_headers=ALLOW,
    expose_headers=EXPOSE,
    max_age=86400,
)
app.include_router(create_tus_router(**router_options))
