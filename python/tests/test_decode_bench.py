"""benchmarks/decode_bench.py on the CPU: the bytes a call reads, the expert
set of a routing, the bandwidth arithmetic, argument parsing, and (with torch)
the dry run."""

import importlib.util
import os

import pytest

from samoyeds.format import Format, pack
from samoyeds.mlirgen import MoEConfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def db():
    spec = importlib.util.spec_from_file_location(
        "decode_bench", os.path.join(REPO, "benchmarks", "decode_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bytes_per_call_by_hand(db):
    # H 256, I 128, E 8, top-2, 1:2 V=128, bf16. One expert's W13 (256 x 256):
    # 128 condensed rows; values 128 x 128 x 2 B = 32768, meta 128 x 16 x 2 B
    # = 4096, rowidx 2 slices x 128 = 256: 37120. W2 (256 x 128): values
    # 128 x 64 x 2 = 16384, meta 128 x 8 x 2 = 2048, rowidx 1 x 128 = 128:
    # 18560. An expert: 55680. Gate 8 x 256 x 2 = 4096.
    cfg = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2)
    assert db.expert_bytes(cfg) == (55680, 0)
    ids = [[1, 5], [5, 1], [1, 5]]                  # T = 3, two experts hit
    assert db.experts_hit(ids) == [1, 5]
    b = db.call_bytes(cfg, db.experts_hit(ids))
    assert b == dict(experts=2, routed=2 * 55680, shared=0, router=4096,
                     total=2 * 55680 + 4096)


def test_bytes_with_shared_expert_and_gate(db):
    # As above with a gated shared expert of S 256 and a correction bias:
    # s13 (512 x 256): values 256 x 128 x 2 = 65536, meta 256 x 16 x 2 = 8192,
    # rowidx 2 x 256 = 512: 74240. s2 (256 x 256): values 128 x 128 x 2 =
    # 32768, meta 128 x 16 x 2 = 4096, rowidx 2 x 128 = 256: 37120. Shared
    # 111360. Router: gate 4096 + shared gate 256 x 2 = 512 + bias 8 x 4 = 32.
    cfg = MoEConfig(hidden=256, ffn=128, experts=8, top_k=2, shared_ffn=256,
                    shared_gate=True, correction_bias=True)
    assert db.expert_bytes(cfg) == (55680, 111360)
    b = db.call_bytes(cfg, [0, 3, 7])
    assert b["router"] == 4096 + 512 + 32
    assert b["total"] == 3 * 55680 + 111360 + 4096 + 512 + 32
    assert db.call_bytes(cfg, 3) == b


def test_expert_bytes_match_packing(db):
    # The arithmetic against the arrays pack() writes (another format).
    import numpy as np
    cfg = MoEConfig(hidden=256, ffn=128, experts=4, top_k=2, fmt13=Format(2, 4, 64),
                    fmt2=Format(1, 2, 32))
    from samoyeds.format import f32_to_bf16_bits
    rng = np.random.default_rng(0)
    bits = lambda *shape: f32_to_bf16_bits(rng.standard_normal(shape).astype(np.float32))
    w13 = pack(bits(4, 256, 256), cfg.fmt13, dtype="bf16")
    w2 = pack(bits(4, 256, 128), cfg.fmt2, dtype="bf16")
    per, shared = db.expert_bytes(cfg)
    assert 4 * per == w13.nbytes() + w2.nbytes() and shared == 0


def test_experts_hit_and_bandwidth(db):
    assert db.experts_hit([[3, 0], [0, 2]]) == [0, 2, 3]
    assert db.experts_hit([]) == []
    with pytest.raises(ValueError):
        db.call_bytes(MoEConfig(hidden=256, ffn=128, experts=8, top_k=2), 9)
    assert db.tb_per_s(2e12, 1e6) == pytest.approx(2.0)          # 2 TB in 1 s
    assert db.tb_per_s(100e6, 25.0) == pytest.approx(4.0)         # 100 MB in 25 us
    assert db.copy_tb_per_s(2 ** 30, 500.0) == pytest.approx(2 * 2 ** 30 / 500e-6 / 1e12)


def test_arguments(db):
    a = db.parse_args([])
    assert a.token_list == [1, 4, 16, 64, 256] and a.presets == "mixtral,deepseek,qwen"
    assert a.flush == "read" and a.flush_mib == 256 and a.replays >= 30
    for bad in (["--replays", "10"], ["--tokens", "1,x"], ["--tokens", "0"],
                ["--presets", "llama"]):
        with pytest.raises(SystemExit):
            db.parse_args(bad)


def test_dry_run(db, capsys):
    pytest.importorskip("torch")
    rc = db.main(["--dry-run", "--seed", "0", "--presets", "mixtral,qwen", "--tokens", "1,16"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "0 failed" in out
    table = out[out.index(db.TABLE_TITLE):]
    assert "| mixtral | 1 |" in table and "| qwen | 16 |" in table
    assert out.rstrip().splitlines()[-1].startswith("| qwen | 16 |")
