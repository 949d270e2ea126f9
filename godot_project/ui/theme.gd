extends RefCounted
## The one Theme every piece of the town's UI uses, built in code: dark translucent
## panels, a light text colour, one accent, 16 px body text, readable at 1280x720.
##
##   const UiTheme: GDScript = preload("res://ui/theme.gd")
##   control.theme = UiTheme.get_theme()
##
## Also the palette (constants below), small helpers the components share
## (panel_style(), color_from_hex(), clock_hhmm(), bar(), escape_bbcode()) and the
## builders of the pieces several panels are made of, so that they look alike:
##   label(text, variation, wrap)   a Label in a type variation ("MutedLabel"...).
##   card(highlight), vbox(parent, separation), scroll_list(parent, separation, expand)
##   dock_right(panel, ...), free_children(node)
##   button(text, tooltip, toggle), close_button(tooltip, on_close)
##   top_bar(), hints_bar(text, bottom_gap)   the bars of the HUD and the replay.
##   person_header(parent, on_close)   an inspector's header: dot, name, where.
##   kind_badge(kind, colors), memory_head(kind, colors, when, importance)
##   transcript(lines)              a conversation's lines, names in colour.

const Fonts: GDScript = preload("res://ui/fonts.gd")
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

const SECONDS_PER_DAY: int = 24 * 3600

static var _theme: Theme = null


## The shared Theme (built once).
static func get_theme() -> Theme:
	if _theme == null:
		_theme = _build()
	return _theme


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


## "#rrggbb" as a Color, or fallback when the text is empty or not a colour.
static func color_from_hex(hex: String, fallback: Color = TEXT) -> Color:
	if hex.is_empty() or not Color.html_is_valid(hex):
		return fallback
	return Color.html(hex)


## "07:42" for a game time in seconds since the epoch.
static func clock_hhmm(game_seconds: float) -> String:
	var of_day: int = posmod(floori(game_seconds), SECONDS_PER_DAY)
	return "%02d:%02d" % [floori(of_day / 3600.0), floori((of_day % 3600) / 60.0)]


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


static func _build() -> Theme:
	var theme: Theme = Theme.new()
	theme.default_font = Fonts.with_emoji()
	theme.default_font_size = FONT_SIZE

	for type_name: String in ["Label", "Button", "LineEdit", "RichTextLabel", "CheckBox", "TabContainer", "TabBar", "ItemList"]:
		theme.set_color("font_color", type_name, TEXT)
	theme.set_color("default_color", "RichTextLabel", TEXT)
	theme.set_constant("line_separation", "RichTextLabel", 2)
	theme.set_color("font_shadow_color", "Label", Color(0, 0, 0, 0.0))

	theme.set_stylebox("panel", "PanelContainer", panel_style())
	theme.set_stylebox("panel", "Panel", panel_style())
	theme.set_stylebox("panel", "PopupPanel", panel_style(PANEL_BG_SOLID, 14))
	theme.set_stylebox("panel", "TooltipPanel", panel_style(PANEL_BG_SOLID, 8, 6))
	theme.set_color("font_color", "TooltipLabel", TEXT)
	theme.set_font_size("font_size", "TooltipLabel", FONT_SIZE_SMALL)

	# Buttons: flat, rounded; pressed/toggled in the accent colour.
	theme.set_stylebox("normal", "Button", panel_style(BUTTON_BG, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("hover", "Button", panel_style(BUTTON_HOVER, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("pressed", "Button", panel_style(BUTTON_PRESSED, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("hover_pressed", "Button", panel_style(BUTTON_PRESSED.lightened(0.1), 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("disabled", "Button", panel_style(Color(1, 1, 1, 0.03), 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("focus", "Button", StyleBoxEmpty.new())
	for button_style: String in ["normal", "hover", "pressed", "hover_pressed", "disabled"]:
		var style: StyleBoxFlat = theme.get_stylebox(button_style, "Button")
		style.content_margin_left = 10
		style.content_margin_right = 10
		style.content_margin_top = 4
		style.content_margin_bottom = 4
	theme.set_color("font_hover_color", "Button", Color.WHITE)
	theme.set_color("font_pressed_color", "Button", Color(0.08, 0.08, 0.1))
	theme.set_color("font_hover_pressed_color", "Button", Color(0.08, 0.08, 0.1))
	theme.set_color("font_focus_color", "Button", TEXT)
	theme.set_color("font_disabled_color", "Button", Color(TEXT_MUTED, 0.5))

	# Text entry.
	theme.set_stylebox("normal", "LineEdit", panel_style(Color(0, 0, 0, 0.35), 8, 6, Color(1, 1, 1, 0.12)))
	theme.set_stylebox("focus", "LineEdit", panel_style(Color(0, 0, 0, 0.0), 8, 6, Color(ACCENT, 0.8)))
	theme.set_stylebox("read_only", "LineEdit", panel_style(Color(0, 0, 0, 0.2), 8, 6, Color(1, 1, 1, 0.06)))
	theme.set_color("font_placeholder_color", "LineEdit", Color(TEXT_MUTED, 0.7))
	theme.set_color("caret_color", "LineEdit", ACCENT)
	theme.set_color("selection_color", "LineEdit", Color(ACCENT, 0.35))
	theme.set_color("font_uneditable_color", "LineEdit", TEXT_MUTED)

	# Tabs.
	theme.set_stylebox("panel", "TabContainer", panel_style(Color(0, 0, 0, 0), 6, 0, Color(0, 0, 0, 0)))
	theme.set_stylebox("tabbar_background", "TabContainer", StyleBoxEmpty.new())
	var tab_selected: StyleBoxFlat = panel_style(HIGHLIGHT_BG, 6, 6, Color(0, 0, 0, 0))
	tab_selected.border_color = ACCENT
	tab_selected.border_width_bottom = 2
	tab_selected.set_corner_radius_all(4)
	theme.set_stylebox("tab_selected", "TabContainer", tab_selected)
	theme.set_stylebox("tab_unselected", "TabContainer", panel_style(Color(0, 0, 0, 0), 6, 4, Color(0, 0, 0, 0)))
	theme.set_stylebox("tab_hovered", "TabContainer", panel_style(BUTTON_HOVER, 6, 4, Color(0, 0, 0, 0)))
	theme.set_stylebox("tab_focus", "TabContainer", StyleBoxEmpty.new())
	for tab_style: String in ["tab_selected", "tab_unselected", "tab_hovered"]:
		var style: StyleBoxFlat = theme.get_stylebox(tab_style, "TabContainer")
		style.content_margin_left = 8
		style.content_margin_right = 8
		style.content_margin_top = 4
		style.content_margin_bottom = 4
	theme.set_color("font_selected_color", "TabContainer", ACCENT)
	theme.set_color("font_unselected_color", "TabContainer", TEXT_MUTED)
	theme.set_color("font_hovered_color", "TabContainer", TEXT)
	theme.set_font_size("font_size", "TabContainer", FONT_SIZE_SMALL + 1)
	theme.set_constant("side_margin", "TabContainer", 0)

	# Scrollbars: thin.
	var grabber: StyleBoxFlat = panel_style(Color(1, 1, 1, 0.22), 0, 3, Color(0, 0, 0, 0))
	grabber.content_margin_left = 3
	grabber.content_margin_right = 3
	var grabber_hover: StyleBoxFlat = panel_style(Color(1, 1, 1, 0.35), 0, 3, Color(0, 0, 0, 0))
	var scroll: StyleBoxFlat = panel_style(Color(1, 1, 1, 0.03), 0, 3, Color(0, 0, 0, 0))
	scroll.content_margin_left = 3
	scroll.content_margin_right = 3
	for bar_type: String in ["VScrollBar", "HScrollBar"]:
		theme.set_stylebox("grabber", bar_type, grabber)
		theme.set_stylebox("grabber_highlight", bar_type, grabber_hover)
		theme.set_stylebox("grabber_pressed", bar_type, grabber_hover)
		theme.set_stylebox("scroll", bar_type, scroll)

	# Separators and containers.
	var line: StyleBoxLine = StyleBoxLine.new()
	line.color = Color(1, 1, 1, 0.1)
	line.thickness = 1
	theme.set_stylebox("separator", "HSeparator", line)
	theme.set_constant("separation", "HSeparator", 10)
	theme.set_constant("separation", "VBoxContainer", SPACING / 2 + 2)
	theme.set_constant("separation", "HBoxContainer", SPACING)

	# Type variations the components use by name.
	theme.set_type_variation("TitleLabel", "Label")
	theme.set_font_size("font_size", "TitleLabel", FONT_SIZE_TITLE)
	theme.set_color("font_color", "TitleLabel", Color.WHITE)
	theme.set_type_variation("MutedLabel", "Label")
	theme.set_font_size("font_size", "MutedLabel", FONT_SIZE_SMALL)
	theme.set_color("font_color", "MutedLabel", TEXT_MUTED)
	theme.set_type_variation("SectionLabel", "Label")
	theme.set_font_size("font_size", "SectionLabel", FONT_SIZE_SMALL)
	theme.set_color("font_color", "SectionLabel", ACCENT)
	theme.set_type_variation("CardPanel", "PanelContainer")
	theme.set_stylebox("panel", "CardPanel", panel_style(INSET_BG, 8, 6, Color(0, 0, 0, 0)))
	theme.set_type_variation("HighlightPanel", "PanelContainer")
	var highlight: StyleBoxFlat = panel_style(HIGHLIGHT_BG, 8, 6, Color(0, 0, 0, 0))
	highlight.border_color = ACCENT
	highlight.border_width_left = 3
	theme.set_stylebox("panel", "HighlightPanel", highlight)
	theme.set_type_variation("FlatButton", "Button")
	theme.set_stylebox("normal", "FlatButton", StyleBoxEmpty.new())
	return theme
