// Write the suite fixtures as their benchmarks publish them on Hugging Face:
// Parquet, written here by DuckDB, with DuckDB's own JSON Lines export of the
// same table beside each file, for tests/e2e/t_parquet_suites.sh.
//
//   node tests/duckdb/suites.mjs ROOT OUTDIR
//
// OUTDIR/<case>/pq/...     the Parquet files, as the suite's spec names them
// OUTDIR/<case>/jsonl/...  the same table exported by DuckDB as JSON Lines
// Cases:
//   sti-struct  STI-Bench qa.parquet, Candidates a struct of five strings
//   sti-map     the same, Candidates a map<string,string>
//   sti-json    the same, Candidates JSON text (opensource_test.py json.loads it)
//   vsi         VSI-Bench test-00000-of-00001.parquet, options list<string>, null
//               for numerical questions
//   vsti        VSTI-Bench as two shards data/test-0000{0,1}-of-00002.parquet
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';

const [root, out] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const q = (s) => c.run(s);

async function write(name, select, pqFile, jsonFile, shards) {
  mkdirSync(`${out}/${name}/pq/data`, { recursive: true });
  mkdirSync(`${out}/${name}/jsonl`, { recursive: true });
  await q(`create or replace table t as ${select}`);
  if (shards) {
    for (let k = 0; k < shards; k++)
      await q(`copy (select * exclude (rn) from (select *, row_number() over () - 1 as rn from t) where rn % ${shards} = ${k})
               to '${out}/${name}/pq/${pqFile.replace('%K', String(k))}' (format parquet, compression zstd, row_group_size 3)`);
  } else {
    await q(`copy t to '${out}/${name}/pq/${pqFile}' (format parquet, compression snappy, row_group_size 4)`);
  }
  await q(`copy t to '${out}/${name}/jsonl/${jsonFile}' (format json)`);
}

const sti = `
  select "Video", "ID"::bigint as "ID", time_start::double as time_start, time_end::double as time_end,
         "Question", %CAND% as "Candidates", "Answer", "Task", "Source"
  from (select *, {'A': cand->>'A', 'B': cand->>'B', 'C': cand->>'C', 'D': cand->>'D', 'E': cand->>'E'} as s
        from read_json('${root}/fixtures/sti-bench/qa.jsonl', format = 'newline_delimited',
             columns = {"Video": 'VARCHAR', "ID": 'BIGINT', time_start: 'DOUBLE', time_end: 'DOUBLE',
                        "Question": 'VARCHAR', "Candidates": 'JSON', "Answer": 'VARCHAR', "Task": 'VARCHAR',
                        "Source": 'VARCHAR'})
             t(Video, ID, time_start, time_end, Question, cand0, Answer, Task, Source),
             lateral (select case when json_type(cand0) = 'VARCHAR' then (cand0->>'$')::json else cand0 end as cand))`;
await write('sti-struct', sti.replace('%CAND%', 's'), 'qa.parquet', 'qa.jsonl');
await write('sti-map', sti.replace('%CAND%',
  "map_from_entries([('A', s.A), ('B', s.B), ('C', s.C), ('D', s.D), ('E', s.E)])"), 'qa.parquet', 'qa.jsonl');
await write('sti-json', sti.replace('%CAND%', 'to_json(s)::varchar'), 'qa.parquet', 'qa.jsonl');

await write('vsi', `select * from read_json('${root}/fixtures/vsi-bench/test.jsonl', format = 'newline_delimited',
  columns = {id: 'BIGINT', dataset: 'VARCHAR', scene_name: 'VARCHAR', question_type: 'VARCHAR',
             question: 'VARCHAR', ground_truth: 'VARCHAR', options: 'VARCHAR[]'})`,
  'test-00000-of-00001.parquet', 'test.jsonl');

await write('vsti', `select * from read_json('${root}/fixtures/vsti-bench/test.jsonl', format = 'newline_delimited',
  columns = {id: 'BIGINT', dataset: 'VARCHAR', scene_name: 'VARCHAR', video_path: 'VARCHAR',
             frame_indices: 'BIGINT[]', question_type: 'VARCHAR', question: 'VARCHAR',
             options: 'VARCHAR[]', ground_truth: 'VARCHAR', mc_answer: 'VARCHAR'})`,
  'data/test-0000%K-of-00002.parquet', 'test.jsonl', 2);
