"""Gas breakers: fees too high in absolute terms, against their recent median, or against the budget."""
