"""``aekit speakers``: embed recordings with a voice model's speaker encoder and map them in 2-D."""

from __future__ import annotations

from pathlib import Path

from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit speakers data/alice data/bob data/carol -o speakers.png        # one folder per speaker
  aekit speakers --model models/voice a.wav b.wav --embeddings emb.csv -o map.png
A folder is one speaker (its name is the label; its audio files are read recursively, unreadable
or silent ones skipped and counted); a file is labelled by its folder's name.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("speakers", help="map recordings by voice in 2-D",
                       description="Speaker codes of recordings (the model's speaker encoder), projected to 2-D "
                                   "and plotted, one colour per speaker.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("inputs", nargs="+", metavar="PATH", help="audio files, or folders of one speaker's recordings")
    p.add_argument("--model", default="espeak", metavar="DIR",
                   help="voice model folder, or 'espeak' for the bundled one (default)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the map, .png")
    p.add_argument("--method", choices=("pca", "tsne"), default="pca", help="2-D projection (default pca)")
    p.add_argument("--embeddings", metavar="FILE", help="also write the codes: .csv (label, file, values) or .npy")
    p.add_argument("--max-files", type=int, default=200, metavar="N", help="recordings per folder (default 200)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def _recordings(inputs: list[str], max_files: int) -> list[tuple[str, Path, bool]]:
    """``(label, path, given)``: ``given`` files must read; files found in folders may be skipped."""
    from ..data.speech import audio_files
    from ..errors import DataError

    out = []
    for spec in inputs:
        path = Path(spec)
        if path.is_dir():
            files = audio_files(path)[:max_files]
            if not files:
                raise DataError(f"folder {spec!r} holds no audio files (WAV, FLAC, OGG, GSM).")
            out += [(path.resolve().name, f, False) for f in files]
        elif path.exists():
            out.append((path.resolve().parent.name, path, True))
        else:
            raise FileNotFoundError(f"{spec!r} does not exist: give audio files or folders of them.")
    return out


def run(args) -> int:
    import numpy as np

    from ..atomic import write_text
    from ..data import save_array
    from ..errors import ConfigError, DataError
    from ..voice import load_converter, read_audio
    from ..voice.plots import project_2d, speaker_map

    if Path(args.output).suffix.lower() != ".png":
        raise ConfigError(f"-o {args.output!r} must be a .png file.")
    if args.embeddings and Path(args.embeddings).suffix.lower() not in (".csv", ".npy"):
        raise ConfigError(f"--embeddings {args.embeddings!r} must be a .csv or .npy file.")
    if args.max_files < 1:
        raise ConfigError(f"--max-files {args.max_files} must be >= 1.")
    vc = load_converter(args.model)
    vc.n_threads = args.n_threads
    labels, paths, embs, skipped = [], [], [], []
    for label, path, given in _recordings(args.inputs, args.max_files):
        try:
            wave, sr = read_audio(path)
            embs.append(vc.speaker_embedding(wave, sr))
        except DataError as exc:
            if given:
                raise
            skipped.append(f"{path}: {exc}")
            continue
        labels.append(label)
        paths.append(str(path))
    if not embs:
        raise DataError(f"none of the {len(skipped)} recordings could be used (first: {skipped[0]}).")
    emb = np.stack(embs)
    speaker_map(project_2d(emb, args.method), labels, args.output,
                title=f"speaker codes ({args.method.upper()}), {len(emb)} recordings")
    if args.embeddings:
        if args.embeddings.lower().endswith(".npy"):
            save_array(args.embeddings, emb)
        else:
            rows = [",".join([lab, p.replace(",", "_"), *(f"{v:.6g}" for v in e)]) for lab, p, e in zip(labels, paths, emb)]
            write_text(args.embeddings, "label,file," + ",".join(f"s{i}" for i in range(emb.shape[1])) + "\n"
                       + "\n".join(rows) + "\n")
    note = f", skipped {len(skipped)} unusable" if skipped else ""
    print(f"wrote {args.output} ({len(emb)} recordings of {len(set(labels))} speakers{note})")
    for line in skipped[:5]:
        print(f"  skipped {line}")
    return 0
