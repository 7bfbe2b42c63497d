#!/bin/sh
# The speech notebook 50 sends (notebooks/audio/*.wav), spoken by espeak-ng (Debian's package,
# offline; GPL-3.0 program, the recordings are ours): mono 16-bit PCM WAV at espeak-ng's own
# 22,050 Hz, which the server resamples to Whisper's 16 kHz. Run from the repository root to
# make them again: sh lab/make_speech.sh (espeak-ng 1.51 made the committed ones).
set -e
out=notebooks/audio
mkdir -p "$out"
say() { espeak-ng -v "$1" -s "$2" -w "$out/$3.wav" "$4"; echo "$3.wav	$1	$4"; }
{
say en-us 150 en_healthy "How do I stay healthy?"
say en-us 150 en_advice "Eat well, sleep eight hours, and walk every day."
say en-us 150 en_hello "Hello, how are you today?"
say en-us 150 en_multipart "Send the audio file as multipart form data."
say cmn-latn-pinyin 100 zh_healthy "你好。如何养生？"
} > "$out/transcripts.tsv"
