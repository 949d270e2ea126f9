extends RefCounted
## The one Theme every piece of the town's UI uses, built in code: dark translucent
## panels, a light text colour, one accent, 16 px body text, readable at 1280x720.
##
##   const UiTheme: GDScript = preload("res://ui/theme.gd")
##   control.theme = UiTheme.get_theme()
##
## Also the palette (the constants below, defined in ui/palette.gd), small helpers the
## components share (panel_style(), color_from_hex(), clock_hhmm(), day_clock(),
## bar(), escape_bbcode()) and the builders of the pieces several panels are made of, so that
## they look alike:
##   label(text, variation, wrap)   a Label in a type variation ("MutedLabel"...).
##   card(highlight), vbox(parent, separation), scroll_list(parent, separation, expand)
##   dock_right(panel, ...), free_children(node)
##   button(text, tooltip, toggle), close_button(tooltip, on_close)
##   top_bar(), hints_bar(text, bottom_gap)   the bars of the HUD and the replay.
##   person_header(parent, on_close)   an inspector's header: dot, name, where.
##   kind_badge(kind, colors), memory_head(kind, colors, when, importance)
##   transcript(lines)              a conversation's lines, names in colour.
## The Theme's styles for each control type are built in ui/theme_styles.gd.

const Palette: GDScript = preload("res://ui/palette.gd")
const ThemeStyles: GDScript = preload("res://ui/theme_styles.gd")
const FONT_SIZE: int = Palette.FONT_SIZE
const FONT_SIZE_SMALL: int = Palette.FONT_SIZE_SMALL
const FONT_SIZE_TITLE: int = Palette.FONT_SIZE_TITLE
const RADIUS: int = Palette.RADIUS
const SPACING: int = Palette.SPACING

const PANEL_BG: Color = Palette.PANEL_BG
const PANEL_BG_SOLID: Color = Palette.PANEL_BG_SOLID
const PANEL_BORDER: Color = Palette.PANEL_BORDER
const INSET_BG: Color = Palette.INSET_BG
const TEXT: Color = Palette.TEXT
const TEXT_MUTED: Color = Palette.TEXT_MUTED
const ACCENT: Color = Palette.ACCENT
const HIGHLIGHT_BG: Color = Palette.HIGHLIGHT_BG
const PLAYER: Color = Palette.PLAYER
const GOOD: Color = Palette.GOOD
const WARN: Color = Palette.WARN
const ERROR: Color = Palette.ERROR
const BUTTON_BG: Color = Palette.BUTTON_BG
const BUTTON_HOVER: Color = Palette.BUTTON_HOVER
const BUTTON_PRESSED: Color = Palette.BUTTON_PRESSED

## Bar colours of the retrieval components.
const RECENCY: Color = Palette.RECENCY
const IMPORTANCE: Color = Palette.IMPORTANCE
const RELEVANCE: Color = Palette.RELEVANCE
const SCORE: Color = Palette.SCORE

const SECONDS_PER_DAY: int = 24 * 3600

static var _theme: Theme = null


## The shared Theme (built once).
static func get_theme() -> Theme:
	if _theme == null:
		_theme = ThemeStyles.build()
	return _theme


## A rounded panel box.
static func panel_style(bg: Color = PANEL_BG, margin: int = 12, radius: int = RADIUS, border: Color = PANEL_BORDER) -> StyleBoxFlat:
	return Palette.panel_style(bg, margin, radius, border)


## "#rrggbb" as a Color, or fallback when the text is empty or not a colour.
static func color_from_hex(hex: String, fallback: Color = TEXT) -> Color:
	if hex.is_empty() or not Color.html_is_valid(hex):
		return fallback
	return Color.html(hex)


## "07:42" for a game time in seconds since the epoch.
static func clock_hhmm(game_seconds: float) -> String:
	var of_day: int = posmod(floori(game_seconds), SECONDS_PER_DAY)
	return "%02d:%02d" % [floori(of_day / 3600.0), floori((of_day % 3600) / 60.0)]


## "Day 1 · 07:42" for a game time in seconds since the epoch (day 1 starts at 0).
static func day_clock(game_seconds: float) -> String:
	var day: int = floori(game_seconds / SECONDS_PER_DAY) + 1
	return "Day %d · %s" % [day, clock_hhmm(game_seconds)]


## A thin horizontal bar showing value in [0, max_value].
static func bar(value: float, max_value: float, color: Color, width: float = 70.0) -> ProgressBar:
	var progress: ProgressBar = ProgressBar.new()
	progress.min_value = 0.0
	progress.max_value = max_value
	progress.value = clampf(value, 0.0, max_value)
	progress.show_percentage = false
	progress.custom_minimum_size = Vector2(width, 8)
	progress.size_flags_vertical = Control.SIZE_SHRINK_CENTER
	progress.mouse_filter = Control.MOUSE_FILTER_IGNORE
	var fill: StyleBoxFlat = panel_style(color, 0, 3, Color(0, 0, 0, 0))
	var background: StyleBoxFlat = panel_style(Color(1, 1, 1, 0.1), 0, 3, Color(0, 0, 0, 0))
	progress.add_theme_stylebox_override("fill", fill)
	progress.add_theme_stylebox_override("background", background)
	return progress


## Text for a RichTextLabel with BBCode on, shown as is ("[" cannot open a tag).
static func escape_bbcode(text: String) -> String:
	return text.replace("[", "[lb]")


# ---- builders -----------------------------------------------------------------

## A Label showing text in the type variation ("" for the plain Label). wrap: it wraps
## at words and takes the width its container gives it (it may shrink to 40 px).
static func label(text: String, variation: String = "", wrap: bool = false) -> Label:
	var made: Label = Label.new()
	made.text = text
	if not variation.is_empty():
		made.theme_type_variation = variation
	if wrap:
		made.autowrap_mode = TextServer.AUTOWRAP_WORD_SMART
		made.size_flags_horizontal = Control.SIZE_EXPAND_FILL
		made.custom_minimum_size = Vector2(40, 0)
	return made


## Places panel on the right of the screen, width wide and margin px from its right
## edge, from top px down to bottom_gap px above the bottom edge.
static func dock_right(panel: Control, width: float, margin: float, top: float, bottom_gap: float) -> void:
	panel.anchor_left = 1.0
	panel.anchor_right = 1.0
	panel.anchor_top = 0.0
	panel.anchor_bottom = 1.0
	panel.offset_left = -width - margin
	panel.offset_right = -margin
	panel.offset_top = top
	panel.offset_bottom = -bottom_gap


## Takes node's children out and frees them (a list about to be filled again).
static func free_children(node: Node) -> void:
	for child: Node in node.get_children():
		node.remove_child(child)
		child.queue_free()


## A card to put content in: the inset CardPanel, or the accented HighlightPanel.
static func card(highlight: bool = false) -> PanelContainer:
	var made: PanelContainer = PanelContainer.new()
	made.theme_type_variation = "HighlightPanel" if highlight else "CardPanel"
	return made


## A VBoxContainer, its rows separation px apart, added to parent.
static func vbox(parent: Node, separation: int = 4) -> VBoxContainer:
	var box: VBoxContainer = VBoxContainer.new()
	box.add_theme_constant_override("separation", separation)
	parent.add_child(box)
	return box


## A list that scrolls up and down (never sideways) in a ScrollContainer added to
## parent: returns the list, a VBoxContainer as wide as the scroll, its rows separation
## px apart. expand: the scroll takes the height its container has left. Neither
## takes the keyboard focus.
static func scroll_list(parent: Node, separation: int, expand: bool = true) -> VBoxContainer:
	var scroll: ScrollContainer = ScrollContainer.new()
	scroll.horizontal_scroll_mode = ScrollContainer.SCROLL_MODE_DISABLED
	scroll.focus_mode = Control.FOCUS_NONE
	if expand:
		scroll.size_flags_vertical = Control.SIZE_EXPAND_FILL
	parent.add_child(scroll)
	var list: VBoxContainer = VBoxContainer.new()
	list.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	list.add_theme_constant_override("separation", separation)
	scroll.add_child(list)
	return list


## A Button that never takes the keyboard focus (the game's keys stay the game's);
## toggle: it stays pressed until pressed again.
static func button(text: String, tooltip: String = "", toggle: bool = false) -> Button:
	var made: Button = Button.new()
	made.text = text
	made.tooltip_text = tooltip
	made.toggle_mode = toggle
	made.focus_mode = Control.FOCUS_NONE
	return made


## The ✕ button of a panel, calling on_close when pressed.
static func close_button(tooltip: String, on_close: Callable) -> Button:
	var made: Button = button("✕", tooltip)
	made.pressed.connect(on_close)
	return made


## The bar across the top of the screen (for a full-screen Control), in the panel look.
static func top_bar() -> PanelContainer:
	var bar_panel: PanelContainer = PanelContainer.new()
	bar_panel.name = "TopBar"
	bar_panel.set_anchors_preset(Control.PRESET_TOP_WIDE)
	bar_panel.offset_left = 12
	bar_panel.offset_right = -12
	bar_panel.offset_top = 10
	bar_panel.mouse_filter = Control.MOUSE_FILTER_STOP
	bar_panel.add_theme_stylebox_override("panel", panel_style(PANEL_BG, 6))
	return bar_panel


## The line of key hints centred at the bottom of the screen (for a full-screen
## Control), bottom_gap px above its edge; the mouse goes through it. Its child is the
## Label showing text.
static func hints_bar(text: String, bottom_gap: float) -> PanelContainer:
	var hints: PanelContainer = PanelContainer.new()
	hints.name = "Hints"
	hints.set_anchors_preset(Control.PRESET_CENTER_BOTTOM)
	hints.grow_horizontal = Control.GROW_DIRECTION_BOTH
	hints.grow_vertical = Control.GROW_DIRECTION_BEGIN
	hints.offset_bottom = -bottom_gap
	hints.mouse_filter = Control.MOUSE_FILTER_IGNORE
	hints.add_theme_stylebox_override("panel", panel_style(Color(0, 0, 0, 0.45), 4, 6, Color(0, 0, 0, 0)))
	hints.add_child(label(text, "MutedLabel"))
	return hints


## The header of a panel about one person (the inspectors), added to parent: a dot in
## the person's colour, the name (TitleLabel) over a line (MutedLabel), and a close
## button calling on_close. Returns [dot, name, line], the Labels to fill in.
static func person_header(parent: Node, on_close: Callable) -> Array[Label]:
	var header: HBoxContainer = HBoxContainer.new()
	parent.add_child(header)
	var swatch: Label = label("●")
	swatch.add_theme_font_size_override("font_size", 22)
	header.add_child(swatch)
	var names: VBoxContainer = vbox(header, 0)
	names.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	var title: Label = label("", "TitleLabel")
	title.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	names.add_child(title)
	var subtitle: Label = label("", "MutedLabel")
	subtitle.text_overrun_behavior = TextServer.OVERRUN_TRIM_ELLIPSIS
	names.add_child(subtitle)
	var close: Button = close_button("Close (Esc)", on_close)
	close.size_flags_vertical = Control.SIZE_SHRINK_BEGIN
	header.add_child(close)
	return [swatch, title, subtitle]


## A small tag naming a memory's kind ("memory" when it has none), in colors[kind]
## (muted for a kind not in colors).
static func kind_badge(kind: String, colors: Dictionary) -> PanelContainer:
	var badge: PanelContainer = PanelContainer.new()
	var color: Color = colors.get(kind, TEXT_MUTED)
	var style: StyleBoxFlat = panel_style(Color(color, 0.2), 0, 4, Color(0, 0, 0, 0))
	style.content_margin_left = 6
	style.content_margin_right = 6
	badge.add_theme_stylebox_override("panel", style)
	var text: Label = label(kind if not kind.is_empty() else "memory", "MutedLabel")
	text.add_theme_color_override("font_color", color)
	badge.add_child(text)
	return badge


## The top line of a memory's card: its kind (kind_badge), when (the text given) and
## its importance, 1-10, as a bar and a number.
static func memory_head(kind: String, colors: Dictionary, when: String, importance: int) -> HBoxContainer:
	var head: HBoxContainer = HBoxContainer.new()
	head.add_child(kind_badge(kind, colors))
	var when_label: Label = label(when, "MutedLabel")
	when_label.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	head.add_child(when_label)
	head.add_child(bar(float(importance), 10.0, IMPORTANCE, 50.0))
	var number: Label = label(str(importance), "MutedLabel")
	number.custom_minimum_size = Vector2(18, 0)
	number.horizontal_alignment = HORIZONTAL_ALIGNMENT_RIGHT
	head.add_child(number)
	return head


## A conversation's lines, as tall as they are (it does not scroll itself): lines is
## [[speaker, text, color], ...], each shown as "speaker: text", the name bold in color.
static func transcript(lines: Array) -> RichTextLabel:
	var made: RichTextLabel = RichTextLabel.new()
	made.bbcode_enabled = true
	made.fit_content = true
	made.scroll_active = false
	made.focus_mode = Control.FOCUS_NONE
	made.mouse_filter = Control.MOUSE_FILTER_PASS
	made.add_theme_constant_override("paragraph_separation", 4)
	var parts: PackedStringArray = PackedStringArray()
	for line: Array in lines:
		var color: Color = line[2]
		parts.append("[b][color=#%s]%s:[/color][/b] %s" % [color.to_html(false),
			escape_bbcode(str(line[0])), escape_bbcode(str(line[1]))])
	made.text = "\n".join(parts)
	return made
