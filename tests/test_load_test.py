"""python -m xmgan.load_test: clients and the one person really call the app (loopback only)."""
import pytest

from xmgan import load_test


def test_refuses_any_address_but_loopback():
    with pytest.raises(SystemExit, match="only talks to loopback"):
        load_test.run("http://10.0.0.1:7860/", "gan_sample", clients=1, calls=1, person="gan_sample")


def test_a_small_class_against_the_app():
    import app

    demo = app.build_demo()
    demo.queue()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        r = load_test.run(url, "cgan_generate", clients=3, calls=2, person="gan_sample", person_every=0.2)
    finally:
        demo.close()
    assert len(r["load"]) == 6 and not r["load_errors"], r["load_errors"]
    assert r["person"] and not r["person_errors"], r["person_errors"]
    assert all(t > 0 for t in r["load"]) and r["wall_s"] >= max(r["load"])
