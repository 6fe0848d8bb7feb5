/** Light ONNX models, first half (see support/light-models.ts). */
import { describeLightModels } from './support/light-models.js';

describeLightModels(['light_densenet121', 'light_bvlc_alexnet', 'light_squeezenet', 'light_shufflenet', 'light_vgg19']);
