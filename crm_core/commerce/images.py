"""A product's picture served to a page: the staff's and the portal's."""

from django.http import FileResponse, Http404
from PIL import Image as PILImage

from crm_core.commerce.models import Product
from crm_core.commerce.services import IMAGE_FORMATS


def product_image_response(product: Product) -> FileResponse:
    """The picture, typed as what it was checked to be on upload (never as the name says), kept
    in the reader's cache for a while: a new upload gets a new address."""
    if not product.image:
        raise Http404
    file = product.image.open("rb")
    with PILImage.open(file) as picture:
        content_type = IMAGE_FORMATS.get(picture.format or "", "application/octet-stream")
    file.seek(0)
    response = FileResponse(file, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
