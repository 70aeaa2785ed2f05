"""The web app: a page (plain JavaScript, served from the package, nothing from the network) and
endpoints with an OpenAPI schema (``/openapi.json``, browsable at ``/docs``): JSON in and out, but
for ``/api/convert``, which takes two recordings as a multipart form (a browser's file upload)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from .._version import __version__
from .audio import AudioLimits, data_url, read_upload, spectrogram_png, wav_bytes
from .images import ImageError, Limits, decode_data, fit_to, open_image, png_data_url
from .models import BUNDLED_VOICE, ModelStore

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 4 * 1024 * 1024  # a request body of more is refused (413) before it is read
CONVERT = "/api/convert"  # takes two recordings: its body may be larger (see voice_body)


# ---------------------------------------------------------------------------- the JSON schema
class ModelInfo(BaseModel):
    name: str = Field(description="what requests call the model (its folder under --models)")
    kind: str = Field(description="autoencoder, detector, codec or voice")
    input_shape: list[int]
    description: str
    can_sample: bool
    can_interpolate: bool
    takes_images: bool
    takes_audio: bool = Field(description="a voice model: POST /api/convert")


class ModelList(BaseModel):
    models: list[ModelInfo]
    max_image_bytes: int
    max_pixels: int
    max_audio_bytes: int = Field(description="the largest recording /api/convert takes, per file")
    max_audio_seconds: float
    voice_missing: Optional[str] = Field(None, description="why voice conversion is off here (a package to "
                                                           "install), if it is")


class ImageRequest(BaseModel):
    model: str = Field(description="a name from GET /api/models")
    image: str = Field(description="a PNG or JPEG file as a data URL (data:image/png;base64,...) or base64",
                       max_length=MAX_BODY)
    digit: bool = Field(True, description="centre and scale one digit as MNIST's were (for 28x28 grey models)")


class Anomaly(BaseModel):
    score: float = Field(description="higher = more abnormal")
    typical: Optional[float] = Field(None, description="a typical score of the training data (autoencoders)")
    threshold: Optional[float] = Field(None, description="the detector's threshold (detectors)")
    is_anomaly: Optional[bool] = None
    error_map: str = Field(description="PNG data URL: where the reconstruction fails (brighter = worse)")


class Reconstruction(BaseModel):
    model: str
    input: str = Field(description="PNG data URL: the image as the model sees it")
    reconstruction: str = Field(description="PNG data URL")
    code: list[float]
    code_indices: Optional[list[int]] = Field(None, description="discrete codes: the indices")
    mse: float = Field(description="mean squared error per value, in [0, 1] pixel units")
    anomaly: Anomaly


class CompressRequest(BaseModel):
    image: str = Field(description="a PNG or JPEG file as a data URL or base64", max_length=MAX_BODY)
    codec: str = Field("mnist", description="a codec name from GET /api/models")
    digit: bool = True


class Level(BaseModel):
    quality: int
    bytes: int = Field(description="size of the .aek file of this one image")
    bits_per_pixel: float
    psnr_db: float
    image: str = Field(description="PNG data URL: the decoded image")


class Compression(BaseModel):
    codec: str
    input: str
    png_bytes: int = Field(description="the same image as a lossless PNG file, for scale")
    levels: list[Level]
    warning: Optional[str] = Field(None, description="why this image will code badly (unlike the codec's "
                                                     "training images), if it will")


class SampleRequest(BaseModel):
    model: str
    n: int = Field(16, ge=1, le=64)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    temperature: float = Field(1.0, gt=0, le=5)


class InterpolateRequest(BaseModel):
    model: str
    a: int = Field(0, ge=0, le=999, description="index of a bundled mnist test digit (when image_a is not given)")
    b: int = Field(3, ge=0, le=999)
    image_a: Optional[str] = Field(None, max_length=MAX_BODY)
    image_b: Optional[str] = Field(None, max_length=MAX_BODY)
    steps: int = Field(8, ge=2, le=16)
    digit: bool = True


class Images(BaseModel):
    model: str
    images: list[str] = Field(description="PNG data URLs")


class ConvertRequest(BaseModel):
    """multipart/form-data, as a browser's file inputs send it (curl -F source=@me.wav -F reference=@them.wav)."""

    source: UploadFile = Field(description="what to say: a WAV (or FLAC, OGG) recording")
    reference: UploadFile = Field(description="whose voice: a recording of the target speaker")
    model: str = Field(BUNDLED_VOICE, description="a voice model from GET /api/models (kind voice)")


class Clip(BaseModel):
    seconds: float
    sample_rate: int
    spectrogram: str = Field(description="PNG data URL: the 80 log-mel bands the model reads, low at the bottom")


class VoiceConversion(BaseModel):
    model: str
    audio: str = Field(description="the result: a mono 16-bit WAV file as a data URL (data:audio/wav;base64,...), "
                                   "as long as the source and at its sample rate")
    audio_bytes: int
    source: Clip
    reference: Clip
    result: Clip
    compute_seconds: float = Field(description="time spent converting (vocoder included)")


# ---------------------------------------------------------------------------- the app
def create_app(models_dir: str | Path | None = None, limits: Limits | None = None, n_threads: int = 1,
               audio_limits: AudioLimits | None = None) -> FastAPI:
    """The web app over the models under ``models_dir``; each loaded model computes with ``n_threads``
    torch threads (requests take turns: one inference at a time)."""
    from ..threads import resolve_threads

    limits = limits or Limits()
    audio_limits = audio_limits or AudioLimits()
    voice_body = 2 * audio_limits.max_bytes + 64 * 1024  # two files and the form's own lines
    store = ModelStore(models_dir, n_threads=resolve_threads(n_threads))
    compute = threading.Lock()  # one inference at a time: torch's threads are shared by every request
    app = FastAPI(title="aekit", version=__version__,
                  description="Auto-encoders on your images: reconstruct, score, compress, sample; and voice "
                              "conversion of recordings.")

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if request.url.path == CONVERT:
            most, fix = voice_body, f"send two recordings of at most {audio_limits.max_bytes // 1024} KiB each"
        else:
            most, fix = MAX_BODY, "send a smaller image"
        if length is not None and length.isdigit() and int(length) > most:
            return JSONResponse({"detail": f"request too large: more than {most // 1024} KiB; {fix}."},
                                status_code=413)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def one_line(_: Request, exc: RequestValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"detail": "; ".join(parts)}, status_code=422)

    def model(name: str, kind: str | None = None):
        try:
            return store.get(name, kind)
        except KeyError:
            raise HTTPException(404, f"no {kind or 'model'} named {name!r}: GET /api/models lists them.") from None

    def image_of(text: str, shape, digit: bool) -> np.ndarray:
        try:
            return fit_to(open_image(decode_data(text, limits), limits), tuple(shape), digit)
        except ImageError as exc:
            raise HTTPException(exc.status, str(exc)) from None

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html")

    @app.get("/api/models", response_model=ModelList, summary="the models this server offers")
    def list_models():
        return {"models": [e.public() for e in store.entries().values()], "max_image_bytes": limits.max_bytes,
                "max_pixels": limits.max_pixels, "max_audio_bytes": audio_limits.max_bytes,
                "max_audio_seconds": audio_limits.max_seconds, "voice_missing": _voice_missing()}

    @app.post("/api/reconstruct", response_model=Reconstruction,
              summary="an image's reconstruction, code, anomaly score and error map")
    def reconstruct(req: ImageRequest):
        entry, obj = model(req.model)
        if entry.kind == "codec":
            raise HTTPException(422, f"{req.model!r} is a codec: use /api/compress.")
        if len(entry.input_shape) < 2:
            raise HTTPException(422, f"{req.model!r} reads rows of {entry.input_shape[0]} features, not images.")
        x = image_of(req.image, entry.input_shape, req.digit)
        with compute:
            return _reconstruct(req.model, entry, obj, x)

    @app.post("/api/compress", response_model=Compression, summary="the image coded at every quality level")
    def compress(req: CompressRequest):
        entry, codec = model(req.codec, "codec")
        x = image_of(req.image, entry.input_shape[1:] if entry.input_shape[0] == 1 else entry.input_shape, req.digit)
        with compute:
            return _compress(req.codec, codec, x)

    @app.post("/api/sample", response_model=Images, summary="new samples from a generative model")
    def sample(req: SampleRequest):
        entry, ae = model(req.model, "autoencoder")
        from ..errors import AekitError

        with compute:
            try:
                S = ae.sample(req.n, random_state=req.seed, temperature=req.temperature)
            except AekitError as exc:
                raise HTTPException(422, str(exc)) from None
        lo, hi = _units(ae)
        return {"model": req.model, "images": [png_data_url(s, lo, hi) for s in S]}

    @app.post("/api/interpolate", response_model=Images, summary="decoded points between two images' codes")
    def interpolate(req: InterpolateRequest):
        entry, ae = model(req.model, "autoencoder")
        if not entry.can_interpolate:
            raise HTTPException(422, f"{req.model!r} cannot interpolate (a conditional model needs a condition).")
        pair = []
        for text, idx in ((req.image_a, req.a), (req.image_b, req.b)):
            if text:
                pair.append(_to_units(ae, image_of(text, entry.input_shape, req.digit)))
            else:
                if tuple(entry.input_shape) != (28, 28):
                    raise HTTPException(422, "send image_a and image_b: test digits fit 28x28 models only.")
                pair.append(_mnist_test()[idx])
        with compute:
            path = ae.interpolate(pair[0], pair[1], steps=req.steps)
        lo, hi = _units(ae)
        return {"model": req.model, "images": [png_data_url(p, lo, hi) for p in path]}

    @app.post(CONVERT, response_model=VoiceConversion,
              summary="the words of one recording (source) in the voice of another (reference)")
    def convert(req: Annotated[ConvertRequest, Form(media_type="multipart/form-data")]):
        entry = store.entries().get(req.model)
        if entry is None or entry.kind != "voice":
            raise HTTPException(404, f"no voice model named {req.model!r}: GET /api/models lists them (kind voice).")
        missing = _voice_missing()
        if missing:
            raise HTTPException(501, missing)
        clips = []
        for upload, what in ((req.source, "the source"), (req.reference, "the reference")):
            try:  # read one byte past the limit: enough to refuse a larger file without reading it all
                clips.append(read_upload(upload.file.read(audio_limits.max_bytes + 1), what, audio_limits, upload.size))
            except ImageError as exc:
                raise HTTPException(exc.status, str(exc)) from None
        (src, sr), (ref, ref_sr) = clips
        _, vc = store.get(req.model, "voice")
        with compute:
            return _convert(req.model, vc, src, sr, ref, ref_sr)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.store = store
    return app


# ---------------------------------------------------------------------------- the work
def _units(ae) -> tuple[float, float]:
    """The units the model's data came in (e.g. 0..255, or 0..16 for sklearn's digits)."""
    lo = float(ae.scaler_.shift_.min())
    hi = float((ae.scaler_.shift_ + ae.scaler_.scale_).max())
    return lo, hi if hi > lo else lo + 1


def _to_units(ae, x255: np.ndarray) -> np.ndarray:
    lo, hi = _units(ae)
    return (x255 / 255.0 * (hi - lo) + lo).astype(np.float32)


_MNIST = {}


def _mnist_test() -> np.ndarray:
    if "X" not in _MNIST:
        from ..data import load_dataset

        _MNIST["X"] = load_dataset("mnist").X_test
    return _MNIST["X"]


def _reconstruct(name: str, entry, obj, x255: np.ndarray) -> dict:
    if entry.kind == "detector":
        det, ae = obj, obj.estimators_[0]
    else:
        det, ae = None, obj
    x = _to_units(ae, x255)[None]
    lo, hi = _units(ae)
    rec = ae.reconstruct(x)
    code = ae.transform(x)[0]
    try:
        indices = ae.codes(x)[0].tolist()
    except ValueError:  # a continuous code
        indices = None
    err = ((rec - x) / (hi - lo)) ** 2  # per pixel, in [0, 1] units
    if det is not None:
        score = float(det.anomaly_score(x)[0])
        emap = det.explain(x)[0]
        anomaly = {"score": score, "threshold": float(det.threshold_), "is_anomaly": bool(score > det.threshold_)}
    else:
        emap = err[0]
        # the validation loss of the last epoch: a typical error of data like the training data
        typical = ae.history_.best_val if ae.model_config_.loss == "mse" else None
        anomaly = {"score": float(err.mean()), "typical": typical}
    anomaly["error_map"] = png_data_url(emap, 0.0, max(float(np.max(emap)), 1e-12))
    return {"model": name, "input": png_data_url(x[0], lo, hi), "reconstruction": png_data_url(rec[0], lo, hi),
            "code": [float(v) for v in code], "code_indices": indices, "mse": float(err.mean()), "anomaly": anomaly}


def _voice_missing() -> str | None:
    """Why this install cannot convert voices (librosa or soundfile missing), or None."""
    import importlib.util

    gone = [name for name in ("librosa", "soundfile") if importlib.util.find_spec(name) is None]
    return (f"voice conversion needs {' and '.join(gone)}: pip install 'aekit[serve]' (or 'aekit[voice]'), then "
            "restart aekit serve.") if gone else None


def _convert(name: str, vc, src: np.ndarray, sr: int, ref: np.ndarray, ref_sr: int) -> dict:
    from ..errors import AekitError

    start = time.perf_counter()
    try:
        out = vc.convert(src, ref, sr, target_sr=ref_sr)  # mono, at sr, as long as the source
    except AekitError as exc:  # e.g. nothing but silence once trimmed
        raise HTTPException(422, str(exc)) from None
    took = time.perf_counter() - start
    wav = wav_bytes(out, sr)

    def clip(wave: np.ndarray, rate: int) -> dict:
        return {"seconds": len(wave) / rate, "sample_rate": rate, "spectrogram": spectrogram_png(wave, rate)}

    return {"model": name, "audio": data_url(wav), "audio_bytes": len(wav), "source": clip(src, sr),
            "reference": clip(ref, ref_sr), "result": clip(out, sr), "compute_seconds": took}


def _compress(name: str, codec, x255: np.ndarray) -> dict:
    import io

    from PIL import Image

    from ..compression.codec import bits_per_pixel
    from ..metrics import psnr

    img = np.rint(np.clip(x255, 0, 255)).astype(np.uint8)
    batch = img[None] if img.ndim == 2 else img[None]
    levels = []
    import warnings

    from ..compression.domain import DomainWarning

    for q in codec.qualities:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DomainWarning)  # returned as "warning" instead
            data = codec.compress(batch, q)
        dec = codec.decompress(data)[0]
        levels.append({"quality": q, "bytes": len(data), "bits_per_pixel": bits_per_pixel(len(data), 1, codec.image_shape),
                       "psnr_db": float(psnr(dec / 255.0, img / 255.0)) if not np.array_equal(dec, img) else 99.0,
                       "image": png_data_url(dec)})
    buf = io.BytesIO()
    Image.fromarray(img if img.ndim == 2 else img[0]).save(buf, format="PNG", optimize=True)
    return {"codec": name, "input": png_data_url(img), "png_bytes": buf.tell(), "levels": levels,
            "warning": codec.domain_warning(batch)}
