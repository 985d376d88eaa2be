"""Pictures on Slack: `/study tex` answers privately with the formula typeset (uploaded without
sharing it anywhere, shown in an image block), a broken formula gets its sentence, and a
question's formula is shown under its post.

Real bolt and slack_sdk over real HTTP on 127.0.0.1 against the Slack stand-in, a real StudyBot
on SQLite."""

from __future__ import annotations

from pathlib import Path

from ..scenario import png_size
from ..standins.slack_server import visible_text
from .harness import ADA, BEA, slack_bot


async def test_tex_answers_privately_with_the_formula_typeset(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        standin = slack.standin
        await slack.workspace.slash(BEA, r"tex \begin{pmatrix}1&2\\3&4\end{pmatrix}")
        [answer] = await standin.wait_for(lambda: standin.private_to(BEA), what="the preview")
        [picture] = standin.images_in(answer)
        width, height = png_size(picture)
        assert 40 <= width <= 600 and 40 <= height <= 400, (width, height)
        [upload] = standin.uploads.values()
        assert upload.alt_txt == r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"
        assert standin.posts(slack.channel) == []  # shown to Bea alone, shared nowhere

        await slack.workspace.slash(BEA, r"tex \frac{1}{")
        refused = await standin.wait_for(lambda: standin.private_to(BEA)[1:], what="the refusal")
        text = visible_text({"blocks": refused[0].blocks, "text": refused[0].text})
        assert "does not parse" in text and "/study tex" in text
        assert standin.images_in(refused[0]) == [] and len(standin.uploads) == 1
        assert standin.violations == []


async def test_a_question_shows_its_matrix_under_the_text(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        standin, workspace = slack.standin, slack.workspace
        await workspace.slash(ADA, "start mml every monday at 18:00 tz UTC")
        await workspace.slash(BEA, "join")
        await workspace.slash(BEA, r"ask Is $\begin{pmatrix}1&2\\3&4\end{pmatrix}$ invertible?")
        [post] = await standin.wait_for(
            lambda: [m for m in slack.posts() if m["text"].startswith("Question")],
            what="the question's post",
        )
        assert r"\begin{pmatrix}1&2\\3&4\end{pmatrix}" in visible_text(post)  # the text stays
        [picture] = standin.images_in(post)
        assert png_size(picture)[1] >= 40  # two rows: taller than a line of text
        image = next(b for b in post["blocks"] if b["type"] == "image")
        assert image["alt_text"] == r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"
        assert standin.violations == []
