-- Past states are a cache of the fold. Those written before reducer version 2 lack the raids completed: they are
-- dropped here and folded again from the timeline as time travel needs them (a past state of an older reducer found
-- later is passed over the same way, in TimeTravel).
DELETE FROM timeline_snapshots
WHERE NOT (state ? 'ReducerVersion') AND NOT (state ? 'reducerVersion');
