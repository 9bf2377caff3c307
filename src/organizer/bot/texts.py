"""What the bot itself says (everything else is written by the worker), in ru and en."""

from __future__ import annotations

# (command, Russian description, English description) for setMyCommands.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "Начать", "Start"),
    ("help", "Что я умею, примеры", "What I can do, with examples"),
    ("today", "Дела на сегодня", "Today's agenda"),
    ("tomorrow", "Дела на завтра", "Tomorrow's agenda"),
    ("week", "Дела на неделю", "This week"),
    ("tasks", "Открытые задачи", "Open tasks"),
    ("cancel", "Отменить текущий вопрос", "Drop the open question"),
    ("settings", "Настройки", "Settings"),
    ("tz", "Часовой пояс", "Time zone"),
)

_T: dict[str, dict[str, str]] = {
    "refuse": {
        "ru": (
            "Это личный бот-органайзер, и у вас пока нет к нему доступа.\n"
            "Ваш id в Telegram: {user_id}. Если вы знаете владельца бота, "
            "отправьте ему это число, чтобы он добавил вас."
        ),
        "en": (
            "This is a private organizer bot and you don't have access to it yet.\n"
            "Your Telegram user id is {user_id}. If you know the bot's owner, send them "
            "this number so they can add you."
        ),
    },
    "refuse_short": {"ru": "Нет доступа. Ваш id: {user_id}", "en": "No access. Your id: {user_id}"},
    "unsupported": {
        "ru": (
            "Я понимаю текст и голосовые сообщения (и кружочки). Напишите или скажите, "
            "например: «завтра в 15 встреча с Петей», «купить молоко», «что у меня завтра?». "
            "Подробнее — /help."
        ),
        "en": (
            "I understand text and voice messages (and round video notes). Write or say, "
            "for example: \"meeting with Pete tomorrow at 3pm\", \"buy milk\", "
            "\"what do I have tomorrow?\". More in /help."
        ),
    },
    "too_big": {
        "ru": (
            "Файл слишком большой ({size_mb:.0f} МБ): Telegram отдаёт ботам файлы до 20 МБ. "
            "Запишите сообщение покороче или напишите текстом."
        ),
        "en": (
            "That file is too large ({size_mb:.0f} MB): Telegram lets bots download files "
            "up to 20 MB. Please record a shorter message or type it."
        ),
    },
    "download_failed": {
        "ru": "Не получилось скачать голосовое сообщение. Отправьте его ещё раз, пожалуйста.",
        "en": "I couldn't download that voice message. Please send it again.",
    },
    "edited": {
        "ru": (
            "Я вижу, что вы исправили сообщение, но правки я не применяю. "
            "Если нужно что-то поменять, напишите новым сообщением."
        ),
        "en": (
            "I noticed you edited a message, but I don't apply edits. "
            "If something should change, please send it as a new message."
        ),
    },
    # A reply that finally could not be delivered (docs/BOT.md, "Delivery semantics").
    "undelivered_reply": {
        "ru": "Не смог доставить ответ на ваше сообщение «{quote}»; повторите, пожалуйста.",
        "en": "I couldn't deliver my reply to your message “{quote}”; please send it again.",
    },
    "undelivered_voice": {
        "ru": "Не смог доставить ответ на ваше голосовое сообщение; повторите, пожалуйста.",
        "en": "I couldn't deliver my reply to your voice message; please send it again.",
    },
    "undelivered_other": {
        "ru": "Не смог доставить вам сообщение «{quote}».",
        "en": "I couldn't deliver a message to you: “{quote}”.",
    },
}


def lang_of(language_code: str | None) -> str:
    """Russian for ru/uk/be/kk speakers and when Telegram doesn't say; English otherwise."""
    if not language_code:
        return "ru"
    return "ru" if language_code.split("-")[0].lower() in ("ru", "uk", "be", "kk") else "en"


def say(key: str, language_code: str | None, **kw: object) -> str:
    return _T[key][lang_of(language_code)].format(**kw)
