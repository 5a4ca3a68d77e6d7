// Framework data loader: the `neuron_activations` checkpoint table (schema: README, "Checkpoint tables").
import {runCheckpointTableLoader} from "../../data-loaders/checkpoints/tables/table-loader.js";

await runCheckpointTableLoader("neuron_activations");
