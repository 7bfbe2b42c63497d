#!/usr/bin/env python3
"""Speech to text: an audio file transcribed (or translated to English) by a Whisper model on vLLM.

route: POST /v1/audio/transcriptions  the text of the speech in an audio file, sent as a multipart form (a Whisper vLLM; notebook 50 starts one)
form: model=$AUDIO_MODEL file=@speech.wav
expect: 404
route: POST /v1/audio/translations  the same, translated to English
form: model=$AUDIO_MODEL file=@speech.wav
expect: 404
server: audio
notebook: 50_audio.ipynb
"""
import io
import os
import sys
import wave

import requests

# AUDIO_BASE_URL (else OPENAI_BASE_URL) may end in /v1 (the SDK's convention).
ROOT = (os.getenv("AUDIO_BASE_URL") or os.getenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")).rstrip("/").removesuffix("/v1")
KEY = os.getenv("AUDIO_API_KEY") or os.getenv("OPENAI_API_KEY")  # only if the server has --api-key
HEADERS = {"Authorization": f"Bearer {KEY}"} if KEY else {}


def call(method, path, **kwargs):
    """One request; any failure ends the script with one line on stderr and exit status 1."""
    try:
        r = requests.request(method, ROOT + path, headers=HEADERS, timeout=300, **kwargs)
    except requests.RequestException as exc:
        sys.exit(f"error: no answer from {ROOT} ({type(exc).__name__}): is the server running?")
    if r.status_code >= 400:
        try:
            body = r.json()
        except ValueError:
            body = r.text
        err = body.get("error") or body.get("detail") or body if isinstance(body, dict) else body
        msg = " ".join(str(err.get("message", err) if isinstance(err, dict) else err).split())[:300]
        hint = {401: " (check AUDIO_API_KEY)",
                404: " (this server has no such route or model: serve a Whisper model, e.g. notebook 50's)"}.get(r.status_code, "")
        sys.exit(f"error: HTTP {r.status_code} from {method} {path}: {msg}{hint}")
    return r


def silence_wav(seconds=1.0, rate=16000):
    """A WAV of silence, made here so the script runs without a recording (Whisper may still write a
    word or two: it is known to invent text on silence)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return out.getvalue()


def main():
    path = os.getenv("AUDIO_FILE")
    if path and not os.path.isfile(path):
        sys.exit(f"error: AUDIO_FILE={path}: no such file")
    audio = open(path, "rb").read() if path else silence_wav()
    name = os.path.basename(path) if path else "silence.wav"
    model = os.getenv("AUDIO_MODEL") or call("GET", "/v1/models").json()["data"][0]["id"]
    for route in ("/v1/audio/transcriptions", "/v1/audio/translations"):
        # a multipart form, as the openai SDK sends it: the file, and the other fields as text
        out = call("POST", route, files={"file": (name, audio, "audio/wav")},
                   data={"model": model, "temperature": "0"}).json()
        print(f"{route}: {out['text']!r}")


if __name__ == "__main__":
    main()
