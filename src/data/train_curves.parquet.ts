// Framework data loader: the `train_curves` checkpoint table (schema: README, "Checkpoint tables").
import {runCheckpointTableLoader} from "../../data-loaders/checkpoints/tables/table-loader.js";

await runCheckpointTableLoader("train_curves");
