"""Pieces of report dumps that the extractor's tests write their small reports from."""

# The front page of the 2024 report (data/dumps/001): the entities, the year and the title it prints.
FRONT_2024 = [
    "JAARREKENING 2024 4 | Gent, stad voor en door Gentenaars",
    "",
    "OCMW Gent - Onderbergen 86, 9000 Gent - BE 0212 214 125",
    "",
    "Stad Gent - Botermarkt 1, 9000 Gent - BE 0207 451 227",
    "",
]
