"""``aekit serve``: a local web page to draw or upload images and try saved models on them."""

from __future__ import annotations

from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit tour && aekit serve --models aekit-tour/models    # the tour's models, at http://127.0.0.1:8000
  aekit serve --models models/ --port 8080
  aekit serve --models models/ --host 0.0.0.0             # reachable from other machines: think first
"""


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="a local web page to try saved models (draw, upload, compress, sample, "
                                     "convert voices)",
                       description="Serve a web page where you draw or upload an image and see each saved model's "
                                   "reconstruction, code, anomaly score and error map, the image compressed at "
                                   "every quality, and samples and interpolations of generative models; and upload "
                                   "two recordings (WAV) to hear the first spoken in the second's voice. JSON "
                                   "endpoints are described at /docs (OpenAPI). Needs the serve extra: "
                                   "pip install 'aekit[serve]'.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--models", metavar="DIR", default=None,
                   help="folder whose saved models (aekit train / detect fit / train-codec / VoiceConverter.save) "
                        "the page lists; the bundled codec and voice model are always there")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from ..errors import ConfigError

    if args.models is not None and not Path(args.models).is_dir():
        raise FileNotFoundError(f"--models {args.models!r} is not a folder. Pass the folder holding your saved "
                                "models (e.g. aekit-tour/models after aekit tour).")
    try:
        import python_multipart  # noqa: F401  (FastAPI reads the voice panel's file uploads with it)
        import uvicorn

        from ..serve import create_app
    except ImportError as exc:
        raise ConfigError(f"aekit serve needs FastAPI, uvicorn and python-multipart ({exc.name} is missing): "
                          "pip install 'aekit[serve]'.") from None
    from ..threads import resolve_threads

    threads = resolve_threads(args.n_threads)
    app = create_app(args.models, n_threads=threads)
    n = sum(1 for e in app.state.store.entries().values() if not e.bundled)
    print(f"aekit serve: {n} model(s) from {args.models or '(none)'}, {threads} thread(s); open "
          f"http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
