extends RefCounted
## The Theme every piece of the town's UI uses, built in code from the palette
## (ui/palette.gd): the default font (ui/fonts.gd) and sizes, and each control type's
## colours and style boxes: panels, tooltips, buttons, text entry, tabs, scrollbars,
## separators, and the type variations the components use by name (TitleLabel,
## MutedLabel, SectionLabel, CardPanel, HighlightPanel, FlatButton). ui/theme.gd
## builds it once, for UiTheme.get_theme().

const Palette: GDScript = preload("res://ui/palette.gd")
const Fonts: GDScript = preload("res://ui/fonts.gd")


## A new Theme in the palette's look.
static func build() -> Theme:
	var theme: Theme = Theme.new()
	theme.default_font = Fonts.with_emoji()
	theme.default_font_size = Palette.FONT_SIZE

	for type_name: String in ["Label", "Button", "LineEdit", "RichTextLabel", "CheckBox", "TabContainer", "TabBar", "ItemList"]:
		theme.set_color("font_color", type_name, Palette.TEXT)
	theme.set_color("default_color", "RichTextLabel", Palette.TEXT)
	theme.set_constant("line_separation", "RichTextLabel", 2)
	theme.set_color("font_shadow_color", "Label", Color(0, 0, 0, 0.0))

	theme.set_stylebox("panel", "PanelContainer", Palette.panel_style())
	theme.set_stylebox("panel", "Panel", Palette.panel_style())
	theme.set_stylebox("panel", "PopupPanel", Palette.panel_style(Palette.PANEL_BG_SOLID, 14))
	theme.set_stylebox("panel", "TooltipPanel", Palette.panel_style(Palette.PANEL_BG_SOLID, 8, 6))
	theme.set_color("font_color", "TooltipLabel", Palette.TEXT)
	theme.set_font_size("font_size", "TooltipLabel", Palette.FONT_SIZE_SMALL)

	# Buttons: flat, rounded; pressed/toggled in the accent colour.
	theme.set_stylebox("normal", "Button", Palette.panel_style(Palette.BUTTON_BG, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("hover", "Button", Palette.panel_style(Palette.BUTTON_HOVER, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("pressed", "Button", Palette.panel_style(Palette.BUTTON_PRESSED, 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("hover_pressed", "Button", Palette.panel_style(Palette.BUTTON_PRESSED.lightened(0.1), 6, 6, Color(0, 0, 0, 0)))
	theme.set_stylebox("disabled", "Button", Palette.panel_style(Color(1, 1, 1, 0.03), 6, 6, Color(0, 0, 0, 0)))
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
	theme.set_color("font_focus_color", "Button", Palette.TEXT)
	theme.set_color("font_disabled_color", "Button", Color(Palette.TEXT_MUTED, 0.5))

	# Text entry.
	theme.set_stylebox("normal", "LineEdit", Palette.panel_style(Color(0, 0, 0, 0.35), 8, 6, Color(1, 1, 1, 0.12)))
	theme.set_stylebox("focus", "LineEdit", Palette.panel_style(Color(0, 0, 0, 0.0), 8, 6, Color(Palette.ACCENT, 0.8)))
	theme.set_stylebox("read_only", "LineEdit", Palette.panel_style(Color(0, 0, 0, 0.2), 8, 6, Color(1, 1, 1, 0.06)))
	theme.set_color("font_placeholder_color", "LineEdit", Color(Palette.TEXT_MUTED, 0.7))
	theme.set_color("caret_color", "LineEdit", Palette.ACCENT)
	theme.set_color("selection_color", "LineEdit", Color(Palette.ACCENT, 0.35))
	theme.set_color("font_uneditable_color", "LineEdit", Palette.TEXT_MUTED)

	# Tabs.
	theme.set_stylebox("panel", "TabContainer", Palette.panel_style(Color(0, 0, 0, 0), 6, 0, Color(0, 0, 0, 0)))
	theme.set_stylebox("tabbar_background", "TabContainer", StyleBoxEmpty.new())
	var tab_selected: StyleBoxFlat = Palette.panel_style(Palette.HIGHLIGHT_BG, 6, 6, Color(0, 0, 0, 0))
	tab_selected.border_color = Palette.ACCENT
	tab_selected.border_width_bottom = 2
	tab_selected.set_corner_radius_all(4)
	theme.set_stylebox("tab_selected", "TabContainer", tab_selected)
	theme.set_stylebox("tab_unselected", "TabContainer", Palette.panel_style(Color(0, 0, 0, 0), 6, 4, Color(0, 0, 0, 0)))
	theme.set_stylebox("tab_hovered", "TabContainer", Palette.panel_style(Palette.BUTTON_HOVER, 6, 4, Color(0, 0, 0, 0)))
	theme.set_stylebox("tab_focus", "TabContainer", StyleBoxEmpty.new())
	for tab_style: String in ["tab_selected", "tab_unselected", "tab_hovered"]:
		var style: StyleBoxFlat = theme.get_stylebox(tab_style, "TabContainer")
		style.content_margin_left = 8
		style.content_margin_right = 8
		style.content_margin_top = 4
		style.content_margin_bottom = 4
	theme.set_color("font_selected_color", "TabContainer", Palette.ACCENT)
	theme.set_color("font_unselected_color", "TabContainer", Palette.TEXT_MUTED)
	theme.set_color("font_hovered_color", "TabContainer", Palette.TEXT)
	theme.set_font_size("font_size", "TabContainer", Palette.FONT_SIZE_SMALL + 1)
	theme.set_constant("side_margin", "TabContainer", 0)

	# Scrollbars: thin.
	var grabber: StyleBoxFlat = Palette.panel_style(Color(1, 1, 1, 0.22), 0, 3, Color(0, 0, 0, 0))
	grabber.content_margin_left = 3
	grabber.content_margin_right = 3
	var grabber_hover: StyleBoxFlat = Palette.panel_style(Color(1, 1, 1, 0.35), 0, 3, Color(0, 0, 0, 0))
	var scroll: StyleBoxFlat = Palette.panel_style(Color(1, 1, 1, 0.03), 0, 3, Color(0, 0, 0, 0))
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
	theme.set_constant("separation", "VBoxContainer", Palette.SPACING / 2 + 2)
	theme.set_constant("separation", "HBoxContainer", Palette.SPACING)

	# Type variations the components use by name.
	theme.set_type_variation("TitleLabel", "Label")
	theme.set_font_size("font_size", "TitleLabel", Palette.FONT_SIZE_TITLE)
	theme.set_color("font_color", "TitleLabel", Color.WHITE)
	theme.set_type_variation("MutedLabel", "Label")
	theme.set_font_size("font_size", "MutedLabel", Palette.FONT_SIZE_SMALL)
	theme.set_color("font_color", "MutedLabel", Palette.TEXT_MUTED)
	theme.set_type_variation("SectionLabel", "Label")
	theme.set_font_size("font_size", "SectionLabel", Palette.FONT_SIZE_SMALL)
	theme.set_color("font_color", "SectionLabel", Palette.ACCENT)
	theme.set_type_variation("CardPanel", "PanelContainer")
	theme.set_stylebox("panel", "CardPanel", Palette.panel_style(Palette.INSET_BG, 8, 6, Color(0, 0, 0, 0)))
	theme.set_type_variation("HighlightPanel", "PanelContainer")
	var highlight: StyleBoxFlat = Palette.panel_style(Palette.HIGHLIGHT_BG, 8, 6, Color(0, 0, 0, 0))
	highlight.border_color = Palette.ACCENT
	highlight.border_width_left = 3
	theme.set_stylebox("panel", "HighlightPanel", highlight)
	theme.set_type_variation("FlatButton", "Button")
	theme.set_stylebox("normal", "FlatButton", StyleBoxEmpty.new())
	return theme
