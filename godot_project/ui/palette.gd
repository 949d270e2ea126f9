extends RefCounted
## The UI's palette: its font sizes, corner radius and spacing, its colours (dark
## translucent panels, a light text colour, one accent, the retrieval bars'
## colours), and panel_style(), the rounded box every panel, button and bar is drawn
## with. ui/theme.gd offers all of it under the same names (UiTheme.TEXT,
## UiTheme.panel_style()), which is what the components use; ui/theme_styles.gd
## builds the Theme's styles from it.

const FONT_SIZE: int = 16
const FONT_SIZE_SMALL: int = 13
const FONT_SIZE_TITLE: int = 20
const RADIUS: int = 8
const SPACING: int = 8

const PANEL_BG: Color = Color(0.075, 0.085, 0.11, 0.88)
const PANEL_BG_SOLID: Color = Color(0.09, 0.1, 0.13, 0.97)
const PANEL_BORDER: Color = Color(1.0, 1.0, 1.0, 0.09)
const INSET_BG: Color = Color(1.0, 1.0, 1.0, 0.05)
const TEXT: Color = Color(0.93, 0.94, 0.96)
const TEXT_MUTED: Color = Color(0.64, 0.67, 0.73)
const ACCENT: Color = Color(0.98, 0.74, 0.33)
const HIGHLIGHT_BG: Color = Color(0.98, 0.74, 0.33, 0.16)
const PLAYER: Color = Color(0.45, 0.8, 1.0)
const GOOD: Color = Color(0.45, 0.85, 0.5)
const WARN: Color = Color(1.0, 0.78, 0.35)
const ERROR: Color = Color(1.0, 0.45, 0.42)
const BUTTON_BG: Color = Color(1.0, 1.0, 1.0, 0.07)
const BUTTON_HOVER: Color = Color(1.0, 1.0, 1.0, 0.14)
const BUTTON_PRESSED: Color = Color(0.98, 0.74, 0.33, 0.85)

## Bar colours of the retrieval components.
const RECENCY: Color = Color(0.4, 0.75, 1.0)
const IMPORTANCE: Color = Color(1.0, 0.6, 0.35)
const RELEVANCE: Color = Color(0.6, 0.85, 0.45)
const SCORE: Color = Color(0.98, 0.74, 0.33)


## A rounded panel box.
static func panel_style(bg: Color = PANEL_BG, margin: int = 12, radius: int = RADIUS, border: Color = PANEL_BORDER) -> StyleBoxFlat:
	var box: StyleBoxFlat = StyleBoxFlat.new()
	box.bg_color = bg
	box.set_corner_radius_all(radius)
	box.set_content_margin_all(margin)
	if border.a > 0.0:
		box.border_color = border
		box.set_border_width_all(1)
	box.anti_aliasing = true
	return box
