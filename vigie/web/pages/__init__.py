"""Server-rendered pages: plain HTML forms that work without JavaScript, over the same service functions."""
