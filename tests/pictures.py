"""Real pictures for upload tests, drawn by Pillow (what the product card accepts)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def picture_bytes(image_format: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (79, 70, 229)).save(output, format=image_format)
    return output.getvalue()


def picture_upload(name: str = "picture.png", image_format: str = "PNG") -> SimpleUploadedFile:
    content_type = "image/jpeg" if image_format == "JPEG" else f"image/{image_format.lower()}"
    return SimpleUploadedFile(name, picture_bytes(image_format), content_type=content_type)
