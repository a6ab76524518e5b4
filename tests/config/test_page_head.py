"""Every page's head: an icon that exists (no favicon 404) and the colour-mode script that
follows the system's dark setting, both static files under the Content-Security-Policy."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_every_page_links_an_icon_and_the_colour_mode_script_that_exist(tenant_a):
    page = tenant_a.client().get("/login/").content.decode()
    # the files' addresses carry their content's hash in production storage
    assert re.search(r'<link rel="icon" href="/static/favicon(\.[0-9a-f]+)?\.svg"', page)
    assert re.search(r'<script src="/static/color-mode(\.[0-9a-f]+)?\.js"></script>', page)
    assert '<meta name="color-scheme" content="light dark">' in page
    assert finders.find("favicon.svg") is not None
    assert finders.find("color-mode.js") is not None
