"""What every area shares, below them all: error pages, health, bounded integers, the
gapless counters, province scope and the unit of work. It imports no area."""
