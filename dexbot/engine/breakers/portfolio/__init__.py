"""Portfolio breakers: losses, drawdown, streaks and how much of the book is at risk."""
