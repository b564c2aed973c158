"""双随机一公开 supervision: catalogs, verifiable draws, 企业安静期, results and 公示,
包容免罚, credit grades (docs in each module)."""
