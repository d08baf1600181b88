"""Entries: the entry desk (``desk``: consider, size, enter) and where a buy goes (``venue_choice``)."""
