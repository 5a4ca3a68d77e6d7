// Framework data loader: the `checkpoint_notes` checkpoint table (schema: README, "Checkpoint tables").
import {runCheckpointTableLoader} from "../../data-loaders/checkpoints/tables/table-loader.js";

await runCheckpointTableLoader("checkpoint_notes");
