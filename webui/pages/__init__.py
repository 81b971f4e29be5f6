"""The web app's pages, one module per page group; each page is served through webui.auth's check."""
