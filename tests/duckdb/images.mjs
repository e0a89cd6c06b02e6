// Write the image suites' fixtures as their benchmarks publish them on
// Hugging Face, with the images embedded as bytes, for
// tests/e2e/t_image_suites.sh.
//
//   node tests/duckdb/images.mjs ROOT IMGDIR OUTDIR
//
// IMGDIR holds the JPEGs the fixtures name (images/<row>_<n>.jpg, made by the
// test with ffmpeg). OUTDIR gets:
//   mmsi-bench/MMSI_Bench.parquet  fixtures/mmsi-bench/MMSI_Bench.jsonl with
//                                  images as list<binary> (the JPEG bytes)
//   sat/SAT_test.parquet           fixtures/sat/SAT_test.jsonl with image_bytes
//                                  as list<struct<bytes: binary, path: string>>
//                                  (Hugging Face Image structs), path null
//   shapes.parquet                 one row per image: a plain binary column
//                                  (img), a single Image struct (one), a list
//                                  of structs (many) and a binary that is not
//                                  an image (other)
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';

const [root, imgdir, out] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const q = (s) => c.run(s);

mkdirSync(`${out}/mmsi-bench`, { recursive: true });
mkdirSync(`${out}/sat`, { recursive: true });
await q(`create table b as select parse_filename(filename) as name, content from read_blob('${imgdir}/*.jpg')`);

await q(`create table m as select * from read_json('${root}/fixtures/mmsi-bench/MMSI_Bench.jsonl',
  format = 'newline_delimited',
  columns = {id: 'BIGINT', images: 'VARCHAR[]', question_type: 'VARCHAR', question: 'VARCHAR',
             answer: 'VARCHAR', thought: 'VARCHAR'})`);
await q(`create table mu as select id, unnest(images) as p, generate_subscripts(images, 1) as k from m`);
await q(`copy (select m.id,
    (select list(b.content order by mu.k) from mu join b on b.name = parse_filename(mu.p) where mu.id = m.id) as images,
    m.question_type, m.question, m.answer, m.thought
  from m order by m.id)
  to '${out}/mmsi-bench/MMSI_Bench.parquet' (format parquet, compression snappy, row_group_size 4)`);

await q(`create table s as select row_number() over () - 1 as rn, * from read_json('${root}/fixtures/sat/SAT_test.jsonl',
  format = 'newline_delimited',
  columns = {image_bytes: 'STRUCT(bytes VARCHAR, path VARCHAR)[]', question: 'VARCHAR', answers: 'VARCHAR[]',
             question_type: 'VARCHAR', correct_answer: 'VARCHAR'})`);
await q(`create table su as select rn, unnest(image_bytes).path as p, generate_subscripts(image_bytes, 1) as k from s`);
await q(`copy (select
    (select list({'bytes': b.content, 'path': null::varchar} order by su.k)
       from su join b on b.name = parse_filename(su.p) where su.rn = s.rn) as image_bytes,
    s.question, s.answers, s.question_type, s.correct_answer
  from s order by s.rn)
  to '${out}/sat/SAT_test.parquet' (format parquet, compression zstd, row_group_size 2)`);

await q(`copy (select name, content as img, {'bytes': content, 'path': name} as one,
    [{'bytes': content, 'path': null::varchar}, {'bytes': null::blob, 'path': 'x/' || name}] as many,
    '\\x00\\x01text'::blob as other
  from b order by name)
  to '${out}/shapes.parquet' (format parquet)`);
