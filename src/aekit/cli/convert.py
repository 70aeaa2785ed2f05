"""``aekit convert``: the words of one recording in the voice of another."""

from __future__ import annotations

from pathlib import Path

from .common import add_threads_arg, formatter

EXAMPLES = """examples:
  aekit convert --source me.wav --target them.wav -o me_as_them.wav            # the bundled eSpeak model
  aekit convert --model models/voice --source a.flac --target b.gsm -o out.wav
Any length and sample rate, mono or stereo in; the output is mono, at the source's sample rate and
length. Train a model with scripts/train_voice_model.py or aekit.voice.VoiceConverter.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("convert", help="speak a recording's words with another recording's voice",
                       description="Voice conversion: the content of --source, spoken with the voice of --target "
                                   "(one reference recording of the target speaker is enough).",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", default="espeak", metavar="DIR",
                   help="voice model folder (VoiceConverter.save), or 'espeak' for the bundled one (default)")
    p.add_argument("--source", required=True, metavar="FILE", help="what to say: WAV, FLAC, OGG or GSM")
    p.add_argument("--target", required=True, metavar="FILE", help="whose voice: a recording of that speaker")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=".wav, .flac or .ogg (written atomically)")
    p.add_argument("--iterations", type=int, default=None, metavar="N",
                   help="Griffin-Lim iterations of the vocoder (default: the model's, 48)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import ConfigError
    from ..voice import load_converter, read_audio, write_wav

    if Path(args.output).suffix.lower() not in (".wav", ".flac", ".ogg"):
        raise ConfigError(f"--output {args.output!r} must end in .wav, .flac or .ogg.")
    vc = load_converter(args.model)
    vc.n_threads = args.n_threads
    if args.iterations is not None:
        if args.iterations < 1:
            raise ConfigError(f"--iterations {args.iterations} must be >= 1 (48 is the default).")
        vc.n_iter = args.iterations
    src, sr = read_audio(args.source)
    ref, ref_sr = read_audio(args.target)
    out = vc.convert(src, ref, sr, target_sr=ref_sr)
    write_wav(args.output, out, sr)
    print(f"wrote {args.output} ({len(out) / sr:.2f} s at {sr} Hz)")
    return 0
