"""DEX and market breakers: pools that look manipulated, drained, wild or hostile."""
