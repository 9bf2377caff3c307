#!/usr/bin/env bash
# Regenerates the committed test clips. NOT run by CI: the clips are committed.
# Needs Debian's: festival festvox-ru festvox-us-slt-hts espeak-ng sox opus-tools.
# Output: Telegram-like voice notes (OGG/Opus, mono, 48 kHz, ~24 kbit/s).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

to_ogg() {  # to_ogg IN.wav OUT.ogg
    sox "$1" -r 48000 -c 1 -b 16 "$tmp/48k.wav" norm -3 pad 0.3 0.3
    opusenc --quiet --bitrate 24 --comment "encoder=organizer test clip" "$tmp/48k.wav" "$2"
}

festival_clip() {  # festival_clip VOICE NAME TEXT
    printf '%s\n' "$3" > "$tmp/text.txt"
    text2wave -eval "($1)" "$tmp/text.txt" -o "$tmp/$2.wav" 2>/dev/null
    to_ogg "$tmp/$2.wav" "$2.ogg"
}

python3 - "$tmp" <<'PY'
import json, sys
clips = json.load(open("transcripts.json"))["clips"]
with open(sys.argv[1] + "/list.tsv", "w") as f:
    for name, c in clips.items():
        if c.get("voice"):
            f.write(f"{name}\t{c['voice']}\t{c['text']}\n")
PY
while IFS=$'\t' read -r name voice text; do
    case "$voice" in
        festival:*) festival_clip "${voice#festival:}" "$name" "$text" ;;
        espeak-ng:*)
            espeak-ng -v "${voice#espeak-ng:}" -s 175 -w "$tmp/$name.wav" "$text"
            to_ogg "$tmp/$name.wav" "$name.ogg" ;;
    esac
done < "$tmp/list.tsv"

# Silence, 3 s.
sox -n -r 48000 -c 1 -b 16 "$tmp/silence.wav" trim 0 3
opusenc --quiet --bitrate 24 "$tmp/silence.wav" silence.ogg
# A truncated OGG: the first 40% of a real one.
head -c $(( $(stat -c %s en_long.ogg) * 2 / 5 )) en_long.ogg > truncated.ogg
# Not audio at all.
printf 'This is a text file, not a voice note.\n' > not_audio.txt
ls -l ./*.ogg ./*.txt
