extends RefCounted
## The one font of the game's text, 2D and 3D: the engine's default font, falling back
## for emoji to a colour emoji font of the system (Noto Color Emoji on Linux, which
## `make setup` installs; the platform's own elsewhere). Activity bubbles, the
## inspector and the map show the emoji the server picks for each action.

const EMOJI_FONTS: PackedStringArray = ["Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", "Twemoji"]

static var _font: Font = null


static func with_emoji() -> Font:
	if _font == null:
		var emoji: SystemFont = SystemFont.new()
		emoji.font_names = EMOJI_FONTS
		var font: FontVariation = FontVariation.new()
		font.base_font = ThemeDB.fallback_font
		font.fallbacks = [emoji]
		_font = font
	return _font
