"""Read models for the console and the API: plain data, fully loaded, no writes."""
