// Framework data loader: the `runs` table of the Parquet workspace (schema: docs/data-contract.md).
import {runTableLoader} from "../../data-loaders/workspace/table-loader.js";

await runTableLoader("runs");
