import torch


def set_module_tensor_to_device(module, device):
    if True:
        if (
            module.__class__.__name__ == "Linear8bitLt"
            and getattr(module.weight, "SCB", None) is None
            and str(module.weight.device) != "meta"
        ):
            # quantize only if necessary
            device_index = torch.device(device).index if torch.device(device).type in ["cuda", "xpu"] else None
            if not getattr(module.weight, "SCB", None) and device_index is not None:
                if module.bias is not None and module.bias.device.type != "meta":
                    # if a bias exists, we need to wait until the bias is set on the correct device
                    module = module.to(device_index)
                elif module.bias is None:
                    # if no bias exists, we can quantize right away
                    module = module.to(device_index)
        elif (
            module.__class__.__name__ == "Linear4bit"
            and getattr(module.weight, "quant_state", None) is None
            and str(module.weight.device) != "meta"
        ):
            # quantize only if necessary
            device_index = torch.device(device).index if torch.device(device).type in ["cuda", "xpu"] else None
            if not getattr(module.weight, "quant_state", None) and device_index is not None:
                module.weight = module.weight.to(device_index)
