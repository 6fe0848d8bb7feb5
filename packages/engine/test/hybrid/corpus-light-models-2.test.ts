/** Light ONNX models, second half (see support/light-models.ts). */
import { describeLightModels } from './support/light-models.js';

describeLightModels(['light_resnet50', 'light_inception_v1', 'light_inception_v2', 'light_zfnet512']);
