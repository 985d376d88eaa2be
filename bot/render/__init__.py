"""Formulas as pictures: finding LaTeX in a text and typesetting it locally to PNG."""
