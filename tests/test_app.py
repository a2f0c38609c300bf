"""The app launched for real and called through gradio_client, as a Space visitor's browser would."""
import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def app_url():
    import app

    demo = app.build_demo()
    demo.queue()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def test_every_action_has_an_api_name(client):
    import xmgan

    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    for model_id in xmgan.list_models():
        for action in xmgan.get_spec(model_id).actions:
            assert f"/{model_id}_{action.method}" in endpoints


def test_cgan_generate_through_the_api(client):
    gallery = client.predict("mnist", "4", 3, 6, api_name="/cgan_generate")
    assert len(gallery) == 6
    captions = [item["caption"] for item in gallery]
    assert sum(c.startswith("4 ") for c in captions) >= 5, captions
    img = np.asarray(Image.open(gallery[0]["image"]["path"] if isinstance(gallery[0]["image"], dict) else gallery[0]["image"]))
    assert img.shape[:2] == (28, 28)


def test_gan_interpolate_through_the_api(client):
    path = client.predict("mnist", 0, 1, 8, api_name="/gan_interpolate")
    img = np.asarray(Image.open(path))
    assert img.shape[1] > 8 * 28 and img.std() > 0


def test_bad_input_comes_back_as_a_message(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Class must be one of"):
        client.predict("mnist", "Sneaker", 0, 4, api_name="/cgan_generate")
