"""好差评: ratings of 办件 with the 差评 核实 → 整改 → 回访 loop (see service.py)."""
