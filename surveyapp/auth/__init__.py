"""Who is asking and what they may do: identities, sessions, role tokens, guards and browser sign-in."""
