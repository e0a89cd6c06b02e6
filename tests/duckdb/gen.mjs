// Write benchmark-shaped Parquet files with DuckDB, and DuckDB's own JSON
// export of each, for tests/e2e/t_parquet_duckdb.sh.
//
//   node tests/duckdb/gen.mjs OUTDIR        tables for the comparison test
//   node tests/duckdb/gen.mjs --bench FILE ROWS ROWGROUP
//                                           one large VSI/STI-shaped file for the benchmark
//   node tests/duckdb/gen.mjs --time FILE OUT THREADS
//                                           time DuckDB reading FILE and writing it as JSON
//                                           lines to OUT (after one warm-up run); prints
//                                           {"wall": s, "cpu": s} of the measured run
//
// Tables (deterministic, no randomness):
//   sti    STI-Bench's qa.parquet shape: Video, ID, time_start/time_end
//          (double), Question, Candidates as a struct, as a map and as JSON
//          text (plain string and the JSON type), Answer, Task, Source;
//          UTF-8 such as "m/s²" and "°", some nulls
//   vsi    VSI-Bench's shape: id int64, dataset, scene_name, question_type,
//          question, ground_truth string, options list<string> (null for
//          numerical questions)
//   types  one column per DuckDB type that has a Parquet mapping
// Each is written with several codecs, row group sizes and both Parquet
// format versions (V2: the DELTA and BYTE_STREAM_SPLIT encodings). OUTDIR gets
// NAME.parquet and NAME.json (DuckDB reading the Parquet file back and
// exporting it as JSON lines), and manifest.txt listing the names.
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';

const STI = `
  select
    (['camera_front_0042.mp4', 'scene0011_00.mp4', '000123.mp4', 'scene0704_01.mp4'])[1 + i % 4] as "Video",
    i::bigint as "ID",
    ((i % 37) * 0.5)::double as time_start,
    ((i % 37) * 0.5 + 1.25 + (i % 3) / 3.0)::double as time_end,
    'What is the speed of the ' || (['car', 'chair', 'cup'])[1 + i % 3] || ' #' || i::varchar ||
      ' between ' || ((i % 37) * 0.5)::varchar || 's and ' || ((i % 37) * 0.5 + 1.25)::varchar ||
      's? Answer in m/s² or °, «quoted» "text" \\ backslash' || case when i % 11 = 0 then E'\\nsecond line' else '' end
      as "Question",
    case when i % 17 = 5 then null else {
      'A': (i % 9)::varchar || '.5 m/s²',
      'B': ((i * 7) % 360)::varchar || '°',
      'C': 'Turn left 📍',
      'D': '(D) 1.80m',
      'E': case when i % 3 = 0 then null else 'None of the above' end
    } end as "Candidates",
    case when i % 17 = 5 then null else map_from_entries([
      ('A', (i % 9)::varchar || '.5 m/s²'), ('B', ((i * 7) % 360)::varchar || '°'),
      ('C', 'Turn left 📍'), ('D', case when i % 4 = 0 then null else '(D) 1.80m' end)]) end
      as "CandidatesMap",
    to_json({'A': (i % 9)::varchar || '.5 m/s²', 'B': ((i * 7) % 360)::varchar || '°'})::varchar
      as "CandidatesText",
    to_json({'A': (i % 9)::varchar || '.5 m/s²', 'B': i % 5}) as "CandidatesJson",
    chr((65 + i % 5)::integer) as "Answer",
    (['Dimensional Measurement', 'Spatial Relation', '3D Video Grounding',
      'Displacement & Path Length', 'Speed & Acceleration', 'Ego-Centric Orientation',
      'Trajectory Description', 'Pose Estimation'])[1 + i % 8] as "Task",
    case when i % 13 = 0 then null else (['ScanNet', 'Waymo', 'Omni6DPose'])[1 + i % 3] end as "Source"
  from range(%ROWS%) t(i)`;

const VSI = `
  select
    i::bigint as id,
    (['arkitscenes', 'scannet', 'scannetpp'])[1 + i % 3] as dataset,
    (['41069025', 'scene0011_00', '0a5c013435'])[1 + i % 3] || '_' || (i % 97)::varchar as scene_name,
    (['object_counting', 'object_abs_distance', 'object_size_estimation', 'room_size_estimation',
      'object_rel_distance', 'object_rel_direction_easy', 'route_planning', 'obj_appearance_order'])[1 + i % 8]
      as question_type,
    'How many chair(s) are in this room? #' || i::varchar || case when i % 5 = 0 then ' (≈ 2.5 m²)' else '' end
      as question,
    case when i % 8 < 4 then ((i * 13) % 50)::varchar || '.' || (i % 10)::varchar else chr((65 + i % 4)::integer) end
      as ground_truth,
    case when i % 8 < 4 then null
         else ['A. ' || (i % 7)::varchar || ' m', 'B. table', 'C. sofa °', 'D. ' || i::varchar] end as options
  from range(%ROWS%) t(i)`;

const TYPES = `
  select
    (i % 100 - 50)::tinyint as i8, (i * 3)::smallint as i16, (i * 100003)::integer as i32,
    (i * 1000000007)::bigint as i64, (i % 250)::utinyint as u8, (i * 65537)::uinteger as u32,
    (18446744073709551615 - i)::ubigint as u64,
    i * 0.25 - 10 as dbl, (i / 7.0)::float as flt, (i * 1.5)::decimal(9, 3) as dec9,
    (i * 123456789.0123)::decimal(18, 4) as dec18, (i * 1e20 + 0.5)::decimal(38, 10) as dec38,
    i % 2 = 0 as flag, date '2024-02-27' + (i % 5)::integer as day,
    timestamp '2024-02-28 23:59:59.5' + to_microseconds(i * 1001) as ts,
    timestamptz '2024-01-01 00:00:00+00' + to_seconds(i * 3600) as tstz,
    time '12:34:56' + to_microseconds(i) as tm,
    ('00000000-0000-4000-8000-' || lpad(i::varchar, 12, '0'))::uuid as id,
    ('\\x' || lpad(to_hex(i % 256), 2, '0') || 'ABC')::blob as bin,
    case when i % 4 = 0 then null else [i, null, i + 1] end as ints,
    [{'k': 'x' || i::varchar, 'v': [i * 0.5, null]}, null] as deep,
    map([i % 3, 10 + i % 3], [[i::varchar], []]) as m
  from range(%ROWS%) t(i)`;

// The benchmark table: VSI-Bench's columns plus STI-Bench's times and
// candidates, every row distinct.
const BENCH = `
  select v.*, ((id % 37) * 0.5 + id / 1e6)::double as time_start,
    ((id % 37) * 0.5 + 1.25 + (id % 3) / 3.0)::double as time_end,
    {'A': (id % 9)::varchar || '.5 m/s²', 'B': ((id * 7) % 360)::varchar || '°', 'C': 'Turn left',
     'D': '(D) ' || (id % 100)::varchar || '.80m'} as candidates
  from (${VSI}) v`;

async function main() {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const args = process.argv.slice(2);
  if (args[0] === '--time') {
    const [file, out, threads] = args.slice(1);
    await con.run(`set threads = ${Number(threads)}`);
    const sql = `copy (select * from read_parquet('${file}')) to '${out}' (format json)`;
    await con.run(sql);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await con.run(sql);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    console.log(JSON.stringify({ wall: (t1 - t0) / 1000, cpu: (c1.user + c1.system) / 1e6 }));
    return;
  }
  if (args[0] === '--bench') {
    const [file, rows, rg] = args.slice(1);
    await con.run(`copy (${BENCH.replace('%ROWS%', rows)}) to '${file}' (format parquet, compression snappy, row_group_size ${rg})`);
    return;
  }
  const out = args[0];
  const runs = [
    ['sti_snappy', STI, 2064, 'snappy', 2064, 'V1'],
    ['sti_zstd_rg100', STI, 2064, 'zstd', 100, 'V1'],
    ['sti_gzip_v2', STI, 2064, 'gzip', 500, 'V2'],
    ['sti_uncompressed_v2', STI, 300, 'uncompressed', 64, 'V2'],
    ['sti_brotli', STI, 700, 'brotli', 256, 'V1'],
    ['sti_lz4_v2', STI, 700, 'lz4', 1000, 'V2'],
    ['vsi_snappy', VSI, 5130, 'snappy', 5130, 'V1'],
    ['vsi_zstd_rg1000', VSI, 5130, 'zstd', 1000, 'V1'],
    ['vsi_gzip_v2_rg700', VSI, 5130, 'gzip', 700, 'V2'],
    ['vsi_lz4', VSI, 1000, 'lz4', 100, 'V1'],
    ['vsi_brotli_v2', VSI, 1000, 'brotli', 333, 'V2'],
    ['types_snappy', TYPES, 600, 'snappy', 128, 'V1'],
    ['types_zstd_v2', TYPES, 600, 'zstd', 250, 'V2'],
  ];
  const names = [];
  for (const [name, sql, rows, codec, rg, ver] of runs) {
    const file = `${out}/${name}.parquet`;
    await con.run(`copy (${sql.replace('%ROWS%', rows)}) to '${file}'
                   (format parquet, compression ${codec}, row_group_size ${rg}, parquet_version ${ver})`);
    await con.run(`copy (select * from read_parquet('${file}')) to '${out}/${name}.json' (format json)`);
    names.push(name);
  }
  writeFileSync(`${out}/manifest.txt`, names.join('\n') + '\n');
}

await main();
