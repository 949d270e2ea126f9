"""Insights read back from the model: without the labels small models put before them,
and one insight however many times it is given."""

from agent_server.prompts import reflection


def test_labels_go_and_a_bare_label_is_no_insight():
    text = ("1. The 1st insight is that the 1st insight is that Isabella loves her cafe (because of 1, 2)\n"
            "2. Second insight is: Carlos works late (because of 3)\n"
            "3. The 3rd insight is that the 3rd insight is: (because of 2)\n"
            "4. Isabella bakes every morning. (because of 1)\n")
    assert reflection.parse_insights(text, 3) == [
        ("Isabella loves her cafe", [0, 1]), ("Carlos works late", [2]), ("Isabella bakes every morning", [0])]


def test_insights_that_differ_only_in_numbers_have_one_gist():
    same = [reflection.gist(f"The conversation with Carmen is the most memorable one of {n}") for n in (1, 5, 6)]
    assert len(set(same)) == 1
    assert reflection.gist("Isabella is busy.") == reflection.gist("isabella is BUSY")
    assert reflection.gist("Isabella is busy") != reflection.gist("Isabella is not busy")
