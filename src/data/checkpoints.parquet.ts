// Framework data loader: the `checkpoints` checkpoint table (schema: README, "Checkpoint tables").
import {runCheckpointTableLoader} from "../../data-loaders/checkpoints/tables/table-loader.js";

await runCheckpointTableLoader("checkpoints");
