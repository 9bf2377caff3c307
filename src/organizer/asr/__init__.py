"""`organizer asr`: a faster-whisper speech-to-text HTTP service (see docs/ASR.md).

Nothing heavy is imported here: faster_whisper, fastapi and uvicorn load inside
`organizer.asr.service` and `organizer.asr.engine`, only when the service runs.
"""
